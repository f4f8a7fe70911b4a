/**
 * The downstream resource of a chaos run (README "Chaos"): a fencing store owned by the
 * harness, served over HTTP on 127.0.0.1. The workers' processor (./processor.ts) writes every
 * batch of rows it processes here with the partition's fencing token; the store accepts a write
 * only if its token is ≥ the highest token it has seen for that partition (the pattern of
 * `UPDATE … WHERE fence <= ?`), and records every write, accepted or rejected, in an
 * append-only log (kept in memory for the checker and appended to a JSON-lines file).
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";

/** One write as the processor sends it: rows `firstId..lastId` of a partition. */
export interface ResourceWrite {
  readonly planId: string;
  readonly partitionId: number;
  readonly fencingToken: number;
  readonly firstId: number;
  readonly lastId: number;
  readonly workerId: string;
}

/** One line of the resource log. */
export interface ResourceRecord extends ResourceWrite {
  /** Position in the log (0, 1, 2, …). */
  readonly seq: number;
  /** The highest token seen for the partition before this write. */
  readonly highestBefore: number;
  readonly accepted: boolean;
}

/** The answer to a write. */
export interface WriteAnswer {
  readonly accepted: boolean;
  readonly highestToken: number;
}

/** The HTTP path writes are POSTed to. */
export const RESOURCE_WRITE_PATH = "/write";
/** A write body larger than this is refused. */
const WRITE_BYTES_MAX = 4_096;

/** The fencing store and its log. */
export class ResourceStore {
  readonly log: ResourceRecord[] = [];
  private readonly highest = new Map<string, number>();
  /** workerId → when (performance.now()) its last write arrived. */
  private readonly lastWriteAtMs = new Map<string, number>();
  private server: Server | null = null;
  private file: WriteStream | null = null;

  /** @param fenced false only in the deliberately broken build (./broken-switch.ts) */
  constructor(private readonly fenced: boolean) {}

  /** Applies one write under the fence and logs it. */
  write(write: ResourceWrite): WriteAnswer {
    const key = `${write.planId}/${write.partitionId}`;
    const highestBefore = this.highest.get(key) ?? 0;
    const accepted = !this.fenced || write.fencingToken >= highestBefore;
    const highestToken = Math.max(highestBefore, write.fencingToken);
    this.highest.set(key, highestToken);
    this.lastWriteAtMs.set(write.workerId, performance.now());
    const record: ResourceRecord = { ...write, seq: this.log.length, highestBefore, accepted };
    this.log.push(record);
    this.file?.write(`${JSON.stringify(record)}\n`);
    return { accepted, highestToken };
  }

  /** Whether `workerId` wrote within the last `withinMs` (it is mid-partition). */
  wroteRecently(workerId: string, withinMs: number): boolean {
    const at = this.lastWriteAtMs.get(workerId);
    return at !== undefined && performance.now() - at <= withinMs;
  }

  /**
   * Serves writes on 127.0.0.1 (a free port) and appends the log to `logFile`.
   * @returns the base URL, e.g. `http://127.0.0.1:40123`
   */
  async listen(logFile: string): Promise<string> {
    this.file = createWriteStream(logFile, { flags: "a" });
    const server = createServer((request, response) => this.serve(request, response));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    return `http://127.0.0.1:${port}`;
  }

  /** Stops serving and flushes the log file. */
  async close(): Promise<void> {
    const server = this.server;
    if (server !== null) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const file = this.file;
    if (file !== null) await new Promise<void>((resolve) => file.end(() => resolve()));
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== "POST" || request.url !== RESOURCE_WRITE_PATH) {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= WRITE_BYTES_MAX) chunks.push(chunk);
    });
    request.on("end", () => {
      const write = size <= WRITE_BYTES_MAX ? parseWrite(Buffer.concat(chunks)) : null;
      if (write === null) {
        response.writeHead(400).end();
        return;
      }
      const answer = this.write(write);
      response.writeHead(answer.accepted ? 200 : 409, { "content-type": "application/json" });
      response.end(JSON.stringify(answer));
    });
  }
}

function parseWrite(body: Buffer): ResourceWrite | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  const int = (x: unknown) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
  const ok =
    typeof v.planId === "string" &&
    typeof v.workerId === "string" &&
    int(v.partitionId) &&
    int(v.fencingToken) &&
    int(v.firstId) &&
    int(v.lastId);
  if (!ok) return null;
  return {
    planId: v.planId as string,
    partitionId: v.partitionId as number,
    fencingToken: v.fencingToken as number,
    firstId: v.firstId as number,
    lastId: v.lastId as number,
    workerId: v.workerId as string,
  };
}
