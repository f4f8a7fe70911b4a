// The console's connection to the cluster: reads GET /v1/events (Server-Sent Events) with
// fetch(), so the API token travels in an Authorization header and never in a URL, and follows
// the cluster: the first message lists every member's URL, and when the stream breaks (the node
// died, or went silent past the keep-alive) it connects to the next member at once, trying each
// in turn, so a dead node costs well under two seconds. 401 stops it until a token is given.

/** How long a member gets to answer the stream request before the next is tried. */
const CONNECT_TIMEOUT_MS = 1000;
/** No byte for this long (keep-alives come every 15 s) means the stream is dead. */
const SILENCE_TIMEOUT_MS = 20000;
/** Pause after every member failed once, before trying them all again. */
const ROUND_PAUSE_MS = 250;

/** The base URLs to try: the page's own node, then every member the stream named. */
function candidates(own, members, failed) {
  const urls = [own, ...members.map((m) => m.url)].filter((url, i, all) => all.indexOf(url) === i);
  // The member that just failed goes last.
  return urls.filter((url) => url !== failed).concat(urls.includes(failed) ? [failed] : []);
}

/** Splits SSE text into messages; returns the unparsed rest. */
export function parseSse(buffer, onMessage) {
  let rest = buffer;
  for (let end = rest.indexOf("\n\n"); end >= 0; end = rest.indexOf("\n\n")) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0) onMessage(event, JSON.parse(data.join("\n")));
  }
  return rest;
}

/**
 * A self-healing stream. `onMessage(event, data)` gets every message; `onStatus(status)` gets
 * { kind: "connecting" | "connected" | "lost" | "unauthorized", url, from? }.
 */
export class ClusterStream {
  constructor({ token, onMessage, onStatus }) {
    this.token = token;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.members = [];
    this.current = null;
    this.stopped = false;
    this.abort = null;
  }

  /** Starts (or restarts, with a new token) the connection loop. */
  start(token) {
    if (token !== undefined) this.token = token;
    this.stopped = false;
    this.abort?.abort();
    void this.loop(null);
  }

  stop() {
    this.stopped = true;
    this.abort?.abort();
  }

  /** The base URL the page talks to now (its own origin until connected elsewhere). */
  get baseUrl() {
    return this.current ?? location.origin;
  }

  async loop(failed) {
    while (!this.stopped) {
      for (const url of candidates(location.origin, this.members, failed)) {
        if (this.stopped) return;
        this.onStatus({ kind: "connecting", url });
        const outcome = await this.follow(url);
        if (outcome === "unauthorized" || this.stopped) return;
        if (outcome === "ended") {
          this.onStatus({ kind: "lost", url });
          failed = url;
          break;
        }
      }
      if (failed === null || this.current === null) await sleep(ROUND_PAUSE_MS);
      this.current = null;
    }
  }

  /** Streams from `url` until it breaks: "refused" (never connected), "ended", "unauthorized". */
  async follow(url) {
    const abort = new AbortController();
    this.abort = abort;
    const connectTimer = setTimeout(() => abort.abort(), CONNECT_TIMEOUT_MS);
    let response;
    try {
      const headers = this.token ? { authorization: `Bearer ${this.token}` } : {};
      response = await fetch(`${url}/v1/events`, {
        headers,
        signal: abort.signal,
        cache: "no-store",
      });
    } catch {
      return "refused";
    } finally {
      clearTimeout(connectTimer);
    }
    if (response.status === 401) {
      this.onStatus({ kind: "unauthorized", url });
      return "unauthorized";
    }
    if (!response.ok || response.body === null) return "refused";
    this.current = url;
    this.onStatus({ kind: "connected", url });
    await this.read(response.body, abort);
    return "ended";
  }

  async read(body, abort) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let silence = setTimeout(() => abort.abort(), SILENCE_TIMEOUT_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(silence);
        silence = setTimeout(() => abort.abort(), SILENCE_TIMEOUT_MS);
        buffer = parseSse(buffer + value, (event, data) => {
          if (event === "snapshot" && Array.isArray(data.members)) this.members = data.members;
          this.onMessage(event, data);
        });
      }
    } catch {
      // The connection broke or was aborted: the caller moves on to another member.
    } finally {
      clearTimeout(silence);
    }
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
