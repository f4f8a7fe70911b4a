/**
 * Answer first, close after: when the API refuses a request before reading its body (413 on a
 * declared or counted length over the limit), fastify marks the answer `Connection: close`, and
 * Node closes the socket as soon as the answer is written. The client is often still sending;
 * closing a socket with unread data makes the kernel send a reset, which discards the answer
 * before a client that writes its whole request before reading can read it. So such an answer
 * waits until the rest of the body has been read and discarded — bounded in bytes and time,
 * after which it goes out and the connection closes anyway (docs/API.md, "Conventions").
 */
import type { IncomingMessage } from "node:http";
import type { FastifyInstance } from "fastify";

/** How much of a refused body is read and thrown away before the answer. */
export interface DrainLimits {
  /** Bytes read at the most; beyond them the connection closes without waiting for the rest. */
  readonly bytesMax: number;
  /** Longest wait for the rest of the body, in milliseconds. */
  readonly timeoutMs: number;
}

/** Adds the hook: an answer that will close the connection waits for the unread body first. */
export function drainBeforeClose(app: FastifyInstance, limits: DrainLimits): void {
  app.addHook("onSend", async (request, reply, payload) => {
    const { raw } = request;
    // `readableEnded` as well: a body read to its end by other means than a socket (inject).
    if (!raw.complete && !raw.readableEnded && reply.getHeader("connection") === "close") {
      await drain(raw, limits);
    }
    return payload;
  });
}

/** Resolves once `message` has ended, failed, or exceeded `limits`; its data is discarded. */
function drain(message: IncomingMessage, limits: DrainLimits): Promise<void> {
  return new Promise((resolve) => {
    let bytes = 0;
    const done = () => {
      clearTimeout(timer);
      message.off("data", onData).off("end", done).off("error", done).off("close", done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limits.bytesMax) done();
    };
    const timer = setTimeout(done, limits.timeoutMs);
    message.on("data", onData).once("end", done).once("error", done).once("close", done);
    message.resume();
  });
}
