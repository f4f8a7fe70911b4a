/**
 * Cuts one direction of a WebSocket byte stream into whole frames (RFC 6455 §5.2), so the chaos
 * proxy can drop or delay single peer messages without breaking the framing of the rest. Only
 * the header is read (FIN, opcode, mask bit, payload length); payloads pass untouched.
 */

/** One frame, its bytes exactly as they came. */
export interface Frame {
  readonly bytes: Buffer;
  /** 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  readonly opcode: number;
  readonly fin: boolean;
}

/** A frame header longer than this (2 + 8 length + 4 mask) cannot exist. */
const HEADER_BYTES_MAX = 14;

/** Collects chunks and hands out every complete frame. */
export class FrameSplitter {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds a chunk; returns the frames it completed, in order. */
  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const length = frameLength(this.buffered);
      if (length === null || this.buffered.length < length) return frames;
      const bytes = this.buffered.subarray(0, length);
      this.buffered = this.buffered.subarray(length);
      const first = bytes[0] ?? 0;
      frames.push({ bytes, opcode: first & 0x0f, fin: (first & 0x80) !== 0 });
    }
  }
}

/** The whole frame's length in bytes, or null while its header is incomplete. */
function frameLength(buffer: Buffer): number | null {
  if (buffer.length < 2) return null;
  const second = buffer[1] ?? 0;
  const masked = (second & 0x80) !== 0;
  const short = second & 0x7f;
  const extra = short === 126 ? 2 : short === 127 ? 8 : 0;
  const header = 2 + extra + (masked ? 4 : 0);
  if (buffer.length < Math.min(header, HEADER_BYTES_MAX)) return null;
  const payload =
    short === 126
      ? buffer.readUInt16BE(2)
      : short === 127
        ? Number(buffer.readBigUInt64BE(2))
        : short;
  return header + payload;
}

/** Whether a frame is a control frame (close, ping, pong). */
export function isControl(frame: Frame): boolean {
  return frame.opcode >= 8;
}
