/**
 * A little-endian byte writer and reader for the state snapshot. Every value has one encoding
 * (fixed-width numbers, length-prefixed UTF-8 strings, columns element by element through a
 * DataView), so equal states give equal bytes on every platform. The reader checks every bound
 * and throws {@link SnapshotFormatError} on truncated or impossible input.
 */

/** The snapshot bytes are not a valid snapshot of this version (truncated, corrupt, foreign). */
export class SnapshotFormatError extends Error {
  override readonly name = "SnapshotFormatError";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

type Column = Uint8Array | Uint16Array | Int32Array | Float64Array;

/** Appends values to a growing buffer. */
export class ByteWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private position = 0;

  constructor(initialBytes = 1024) {
    this.bytes = new Uint8Array(initialBytes);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(value: number): void {
    this.reserve(1);
    this.view.setUint8(this.position, value);
    this.position += 1;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.position, value, true);
    this.position += 4;
  }

  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.position, value, true);
    this.position += 8;
  }

  string(value: string): void {
    const encoded = encoder.encode(value);
    this.u32(encoded.length);
    this.reserve(encoded.length);
    this.bytes.set(encoded, this.position);
    this.position += encoded.length;
  }

  /** The first `count` elements of `column`, each at its own width. */
  column(column: Column, count: number): void {
    const width = column.BYTES_PER_ELEMENT;
    this.reserve(count * width);
    const view = this.view;
    let at = this.position;
    if (column instanceof Uint8Array) {
      this.bytes.set(column.subarray(0, count), at);
    } else if (column instanceof Uint16Array) {
      for (let i = 0; i < count; i++, at += 2) view.setUint16(at, column[i] ?? 0, true);
    } else if (column instanceof Int32Array) {
      for (let i = 0; i < count; i++, at += 4) view.setInt32(at, column[i] ?? 0, true);
    } else {
      for (let i = 0; i < count; i++, at += 8) view.setFloat64(at, column[i] ?? 0, true);
    }
    this.position += count * width;
  }

  /** The bytes written so far (a view, not a copy). */
  finish(): Uint8Array {
    return this.bytes.subarray(0, this.position);
  }

  private reserve(more: number): void {
    const needed = this.position + more;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.position));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** Reads values back in the order written; every read is bounds-checked. */
export class ByteReader {
  private readonly view: DataView;
  private position = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  u8(): number {
    const at = this.take(1);
    return this.view.getUint8(at);
  }

  u32(): number {
    const at = this.take(4);
    return this.view.getUint32(at, true);
  }

  f64(): number {
    const at = this.take(8);
    return this.view.getFloat64(at, true);
  }

  /** A safe integer in [min, max], else a format error naming `what`. */
  int(what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.f64();
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new SnapshotFormatError(`${what} out of range: ${value}`);
    }
    return value;
  }

  string(): string {
    const length = this.u32();
    const at = this.take(length);
    try {
      return decoder.decode(this.bytes.subarray(at, at + length));
    } catch (error) {
      throw new SnapshotFormatError(`invalid UTF-8 in a string: ${String(error)}`);
    }
  }

  /** Fills the first `count` elements of `column`. */
  column(column: Column, count: number): void {
    const width = column.BYTES_PER_ELEMENT;
    let at = this.take(count * width);
    const view = this.view;
    if (column instanceof Uint8Array) {
      column.set(this.bytes.subarray(at, at + count));
    } else if (column instanceof Uint16Array) {
      for (let i = 0; i < count; i++, at += 2) column[i] = view.getUint16(at, true);
    } else if (column instanceof Int32Array) {
      for (let i = 0; i < count; i++, at += 4) column[i] = view.getInt32(at, true);
    } else {
      for (let i = 0; i < count; i++, at += 8) column[i] = view.getFloat64(at, true);
    }
  }

  private take(length: number): number {
    if (length > this.remaining) throw new SnapshotFormatError("snapshot is truncated");
    const at = this.position;
    this.position += length;
    return at;
  }
}
