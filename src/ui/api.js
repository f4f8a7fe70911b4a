// Calls to the HTTP API from the page: the base URL the stream is connected to (so reads and
// actions follow the cluster too), the token in an Authorization header, problem+json errors
// turned into readable messages.

/** Sends `method path` with the token; resolves the JSON body or throws an Error with the problem's detail. */
export async function call(baseUrl, token, method, path, body) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const text = await response.text();
  const json = text === "" ? null : JSON.parse(text);
  if (!response.ok) {
    const error = new Error(json?.detail ?? json?.title ?? `HTTP ${response.status}`);
    error.status = response.status;
    error.code = json?.code;
    throw error;
  }
  return json;
}
