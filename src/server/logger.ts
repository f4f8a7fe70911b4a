/**
 * The process logger: pino, JSON lines to stdout (one object per event, `level` as a number,
 * `time` in ms since the epoch), every line tagged with the node id (`node`) so the logs of a cluster can
 * be merged and still read. pino writes stdout synchronously, so a line logged just before
 * `process.exit` is not lost.
 */
import { pino, type Logger } from "pino";
import type { NodeId } from "../util/ids.js";
import type { LogLevel } from "./config.js";

/** A JSON logger to stdout at `level`, every line carrying `node: nodeId`. */
export function createLogger(level: LogLevel, nodeId: NodeId): Logger {
  return pino({ level, base: { node: nodeId } });
}
