/**
 * Writes to Redis hashes, gathered before they are sent: per key, fields to set (a JSON text) or
 * delete (null), whether the hash is replaced whole (its old fields dropped), and an optional
 * EXPIRE. The last write of a field wins, so a batch describes the state it was rendered from.
 */

/** The writes to one hash. */
export interface HashOp {
  readonly key: string;
  /** The hash is rewritten whole: fields not in `fields` are dropped. */
  replace: boolean;
  /** field → JSON text, or null to delete the field. */
  readonly fields: Map<string, string | null>;
  /** EXPIRE the key this many seconds after the write (null: no expiry). */
  expireSeconds: number | null;
}

/** Hash writes by key, in first-touch order. */
export class HashOps {
  private readonly byKey = new Map<string, HashOp>();
  private fieldCount = 0;

  /** Fields written or deleted, over every key (a measure of the batch's size). */
  get size(): number {
    return this.fieldCount;
  }

  /** The writes, one per key, in the order the keys were first touched. */
  ops(): IterableIterator<HashOp> {
    return this.byKey.values();
  }

  /** Sets `field` of `key` to the JSON text `value`. */
  set(key: string, field: string, value: string): void {
    this.put(this.op(key), field, value);
  }

  /** Deletes `field` of `key` (a no-op on a hash being replaced: it starts empty). */
  delete(key: string, field: string): void {
    const op = this.op(key);
    if (op.replace) op.fields.delete(field);
    else this.put(op, field, null);
  }

  /** Rewrites `key` whole: what was written to it before in this batch is dropped too. */
  replace(key: string): void {
    const op = this.op(key);
    this.fieldCount -= op.fields.size;
    op.fields.clear();
    op.replace = true;
  }

  /** Expires `key` `seconds` after it is written. */
  expire(key: string, seconds: number): void {
    this.op(key).expireSeconds = seconds;
  }

  private op(key: string): HashOp {
    let op = this.byKey.get(key);
    if (op === undefined) {
      op = { key, replace: false, fields: new Map(), expireSeconds: null };
      this.byKey.set(key, op);
    }
    return op;
  }

  private put(op: HashOp, field: string, value: string | null): void {
    if (!op.fields.has(field)) this.fieldCount++;
    op.fields.set(field, value);
  }
}
