/**
 * A worker process's `/metrics` endpoint (`elk-coordinator worker --metrics-listen
 * 127.0.0.1:9464`): a bare `node:http` server that answers `GET /metrics` with the registry's
 * exposition and 404 to anything else. A node needs none: its API serves `/metrics`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { MetricsExposition } from "./registry.js";

/** A listening metrics endpoint. */
export interface MetricsServer {
  /** `http://host:port/metrics`, with the port actually bound (when 0 was asked). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `exposition` on `host:port` (port 0 picks a free one).
 * @throws Error when the address cannot be bound (in use, not local)
 */
export async function startMetricsServer(
  exposition: MetricsExposition,
  host: string,
  port: number,
): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    exposition.render().then(
      (text) => response.writeHead(200, { "content-type": exposition.contentType }).end(text),
      (error: unknown) =>
        response
          .writeHead(500, { "content-type": "text/plain" })
          .end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound.port}/metrics`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeIdleConnections();
      }),
  };
}
