// Proves a body refused unread (413) is answered readably over real sockets: a client that writes
// its whole 10 MB request before reading a byte gets the problem+json 413, every time, with a
// declared length or chunked, as does undici; a body that stalls still gets its answer after the
// drain time, and one that goes on past the drain bytes is cut off rather than read forever.
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { DrainLimits } from "../../src/api/drain-body.js";
import { PROBLEM_CONTENT_TYPE } from "../../src/protocol/index.js";
import { FakeService } from "./fake-service.js";
import { buildTestApp } from "./harness.js";

const TEN_MB = Buffer.alloc(10 * 1024 * 1024, 0x61);
const apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function listening(refusedBodyDrain?: DrainLimits): Promise<number> {
  const app = buildTestApp({
    service: new FakeService(),
    ...(refusedBodyDrain === undefined ? {} : { refusedBodyDrain }),
  });
  apps.push(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/**
 * Sends `head` then `chunks` on a raw socket without reading, then reads until the server
 * closes: what a blocking client sees. Answers everything read (empty when the answer was lost).
 */
function writeThenRead(port: number, head: string, chunks: readonly Buffer[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.pause();
    let received = "";
    socket.on("data", (data: Buffer) => (received += data.toString("latin1")));
    socket.on("error", () => socket.resume());
    socket.on("close", () => resolve(received));
    socket.write(head);
    for (const chunk of chunks) socket.write(chunk);
    socket.write(Buffer.alloc(0), () => socket.resume());
  });
}

function expect413(raw: string, what: string): void {
  const [head = "", body = ""] = raw.split("\r\n\r\n");
  expect(head.split("\r\n")[0], what).toBe("HTTP/1.1 413 Payload Too Large");
  expect(head.toLowerCase()).toContain(`content-type: ${PROBLEM_CONTENT_TYPE}`);
  expect(head.toLowerCase()).toContain("connection: close");
  expect(JSON.parse(body)).toMatchObject({ status: 413, code: "payload_too_large" });
}

const POST = "POST /v1/plans HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\n";

describe("a body over the limit", () => {
  it("a client that writes all 10 MB before reading reads the 413 problem, every time", async () => {
    const port = await listening();
    const declared = `${POST}Content-Length: ${TEN_MB.length}\r\n\r\n`;
    const chunked = `${POST}Transfer-Encoding: chunked\r\n\r\n`;
    const chunks = [
      Buffer.from(`${TEN_MB.length.toString(16)}\r\n`),
      TEN_MB,
      Buffer.from("\r\n0\r\n\r\n"),
    ];
    for (let attempt = 0; attempt < 5; attempt++) {
      expect413(await writeThenRead(port, declared, [TEN_MB]), `declared length #${attempt}`);
      expect413(await writeThenRead(port, chunked, chunks), `chunked #${attempt}`);
    }
  });

  it("undici reads the 413 problem, every time", async () => {
    const port = await listening();
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await request(`http://127.0.0.1:${port}/v1/plans`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: TEN_MB,
      });
      expect(response.statusCode).toBe(413);
      expect(response.headers["content-type"]).toContain(PROBLEM_CONTENT_TYPE);
      expect(await response.body.json()).toMatchObject({ code: "payload_too_large" });
    }
  });

  it("a body that stalls gets its answer after the drain time, and the connection closes", async () => {
    const port = await listening({ bytesMax: 64 * 1024 * 1024, timeoutMs: 300 });
    const head = `${POST}Content-Length: ${TEN_MB.length * 2}\r\n\r\n`;
    const started = Date.now();
    const raw = await writeThenRead(port, head, [TEN_MB]);
    expect(raw.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("a body that goes on past the drain bytes is cut off, not read to its end", async () => {
    const port = await listening({ bytesMax: 1024 * 1024, timeoutMs: 60_000 });
    const socket = net.connect(port, "127.0.0.1");
    const closed = new Promise<number>((resolve) => {
      let sent = 0;
      const pump = () => {
        while (!socket.destroyed && sent < 1024 ** 3 && socket.write(TEN_MB)) sent += TEN_MB.length;
      };
      socket.on("drain", pump);
      socket.on("error", () => undefined);
      socket.on("close", () => resolve(sent));
      socket.write(`${POST}Content-Length: ${1024 ** 3}\r\n\r\n`);
      pump();
    });
    expect(await closed, "closed long before the declared gigabyte was sent").toBeLessThan(
      512 * 1024 * 1024,
    );
  });
});
