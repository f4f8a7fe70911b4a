/**
 * The ports of a dev cluster's nodes (./dev-cluster.ts): consecutive from a base port, or free
 * ones chosen by the kernel (base port 0, as tests use), and `host:port` text for them.
 */
import { createServer } from "node:net";
import { CoordinatorError } from "../errors.js";

/** `host:port`, with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** @throws CoordinatorError "invalid_request" when `count` ports from `basePort` do not fit. */
export function checkBasePort(basePort: number, count: number): void {
  const usable =
    basePort === 0 ||
    (Number.isSafeInteger(basePort) && basePort >= 1 && basePort + count - 1 <= 65_535);
  if (!usable) throw new CoordinatorError("invalid_request", `base port ${basePort} is not usable`);
}

/** `count` ports from `basePort` on, or `count` free ports when `basePort` is 0. */
export async function choosePorts(
  count: number,
  basePort: number,
  host: string,
): Promise<number[]> {
  if (basePort !== 0) return Array.from({ length: count }, (_unused, i) => basePort + i);
  const servers = await Promise.all(Array.from({ length: count }, () => listenOnFreePort(host)));
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function listenOnFreePort(host: string) {
  return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => resolve(server));
  });
}
