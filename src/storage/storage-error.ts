/**
 * The one error the Raft store raises. The node stops on it (docs/ARCHITECTURE.md §4: a corrupt
 * record or a failed write never lets a node continue on a guessed state), so its message is
 * written for the operator: it names the data directory and what is wrong.
 */

/**
 * What went wrong:
 * - `locked`: another process (or another store in this process) holds the data directory;
 * - `open_failed`: the directory could not be created or LevelDB could not open it;
 * - `corrupt`: a record is missing, undecodable or inconsistent with the others;
 * - `unsupported_format`: the directory was written by an incompatible version;
 * - `write_failed`: a batch write (with fsync) failed, so nothing after it may be trusted;
 * - `read_failed`: LevelDB failed to read;
 * - `closed`: the store was used after {@link RaftStore.close}.
 */
export type StorageFailure =
  | "locked"
  | "open_failed"
  | "corrupt"
  | "unsupported_format"
  | "write_failed"
  | "read_failed"
  | "closed";

/** A failure of the Raft store in the data directory `dataDir`. */
export class StorageError extends Error {
  override readonly name = "StorageError";

  constructor(
    readonly dataDir: string,
    readonly failure: StorageFailure,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`raft store in data directory ${dataDir}: ${detail}`, options);
  }
}
