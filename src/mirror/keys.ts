/**
 * The mirror's key layout (docs/REDIS-MIRROR.md): every key starts with the configured prefix;
 * data keys continue with the namespace, meta keys with `mirror:`. Ids (namespaces, plans,
 * workers) match `[A-Za-z0-9._-]` (state-machine ID_PATTERN), so they never contain `:` and no
 * data key can be mistaken for a meta key, even in a namespace called `mirror`:
 *
 *   <prefix><ns>:plans                         hash  planId → JSON of the plan view (counts …)
 *   <prefix><ns>:workers                       hash  workerId → JSON of the worker view
 *   <prefix><ns>:plan:<planId>:partitions      hash  partitionId → JSON of the partition view
 *   <prefix><ns>:plan:<planId>:completed       hash  the same, completed ones (TTL policy only)
 *   <prefix>mirror:applied_index               string  log index the mirror describes
 *   <prefix>mirror:term                        string  leader term of the node that wrote it
 *   <prefix>mirror:staging:<writer>:<n>        hash  a flush's staged data (expires)
 */

/** Where a partition entry goes. */
export type PartitionHash = "partitions" | "completed";

/** Key names under one prefix. */
export class MirrorKeys {
  constructor(readonly prefix: string) {}

  /** Hash of plan summaries of namespace `namespace`. */
  plans(namespace: string): string {
    return `${this.prefix}${namespace}:plans`;
  }

  /** Hash of the workers of namespace `namespace`. */
  workers(namespace: string): string {
    return `${this.prefix}${namespace}:workers`;
  }

  /** Hash of the partitions (or, with the TTL policy, the completed partitions) of a plan. */
  partitions(namespace: string, planId: string, hash: PartitionHash = "partitions"): string {
    return `${this.prefix}${namespace}:plan:${planId}:${hash}`;
  }

  /** The log index the mirror describes (a decimal string). */
  get appliedIndex(): string {
    return `${this.prefix}mirror:applied_index`;
  }

  /** The term of the leader that wrote the mirror last (a decimal string). */
  get term(): string {
    return `${this.prefix}mirror:term`;
  }

  /** Staging key `n` of flush writer `writer` (`<nodeId>.<term>.<flush>`). */
  staging(writer: string, n: number): string {
    return `${this.prefix}mirror:staging:${writer}:${n}`;
  }

  /** SCAN pattern matching every key under the prefix (the prefix has no glob characters). */
  get everyKeyPattern(): string {
    return `${this.prefix}*`;
  }

  /** Whether `key` is one of the mirror's own meta keys (never deleted by a resync). */
  isMetaKey(key: string): boolean {
    return (
      key === this.appliedIndex ||
      key === this.term ||
      key.startsWith(`${this.prefix}mirror:staging:`)
    );
  }
}
