/**
 * The ports of a chaos cluster's nodes (./cluster.ts), chosen where nothing else takes them.
 */
import { randomInt } from "node:crypto";
import { createServer, type AddressInfo, type Server } from "node:net";

/**
 * Node ports, drawn below the kernel's ephemeral range (32768+ on Linux) so that neither the
 * proxies (ephemeral ports) nor any outgoing connection can take a port while its node is down
 * between a kill and a restart. They stay reserved (listened on) until `release()`.
 */
const NODE_PORT_MIN = 20_000;
const NODE_PORT_SPAN = 12_000;
const PORT_TRIES_MAX = 200;

export async function reserveNodePorts(
  count: number,
): Promise<{ ports: number[]; release: () => Promise<void> }> {
  const servers: Server[] = [];
  const release = () =>
    Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))).then(
      () => undefined,
    );
  for (let tries = 0; servers.length < count && tries < PORT_TRIES_MAX; tries += 1) {
    const port = NODE_PORT_MIN + randomInt(NODE_PORT_SPAN);
    const server = createServer();
    const taken = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (taken) servers.push(server);
  }
  if (servers.length < count) {
    await release();
    throw new Error(
      `could not reserve ${count} ports in ${NODE_PORT_MIN}..${NODE_PORT_MIN + NODE_PORT_SPAN}`,
    );
  }
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  return { ports, release };
}
