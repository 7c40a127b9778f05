/**
 * Length-prefixed framing of the wire protocol (docs/wire-protocol.md): a 4-byte big-endian length,
 * then that many bytes of payload (UTF-8 JSON or a binary batch). Chunks are only concatenated once
 * a whole frame has arrived, so a 4 MiB frame in 64 KiB chunks costs one copy, not a quadratic
 * number of them.
 */

export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

const HEADER_BYTES = 4;

export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** `maxFrameBytes` may be lowered until the peer has authenticated. */
  constructor(
    public maxFrameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
  ) {}

  /** Bytes of an incomplete frame still buffered (non-zero at close: the writer died mid-frame). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds one chunk and emits every complete frame. Returns the length of an oversize frame
   * header (after which the stream cannot be trusted and nothing more is decoded), else null.
   */
  push(chunk: Buffer): number | null {
    let buffer = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (!this.hasWholeFrame()) return null;
      buffer = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let offset = 0;
    while (buffer.length - offset >= HEADER_BYTES) {
      const length = buffer.readUInt32BE(offset);
      // An empty frame keeps the stream in step (it is rejected as JSON); an oversize one cannot.
      if (length > this.maxFrameBytes) return length;
      const end = offset + HEADER_BYTES + length;
      if (end > buffer.length) break;
      this.onFrame(buffer.subarray(offset + HEADER_BYTES, end));
      offset = end;
    }
    if (offset < buffer.length) {
      this.pending = [buffer.subarray(offset)];
      this.pendingBytes = buffer.length - offset;
    }
    return null;
  }

  /** Whether the buffered chunks hold a whole frame (or a header that must be rejected). */
  private hasWholeFrame(): boolean {
    if (this.pendingBytes < HEADER_BYTES) return false;
    let first = this.pending[0];
    if (first.length < HEADER_BYTES) {
      first = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [first];
    }
    const length = first.readUInt32BE(0);
    if (length > this.maxFrameBytes) return true;
    return this.pendingBytes >= HEADER_BYTES + length;
  }
}

/** Prefixes a JSON value with its length: the inverse of FrameDecoder, for tests and benchmarks. */
export function encodeFrame(value: unknown): Buffer {
  return prefixFrame(Buffer.from(JSON.stringify(value), 'utf8'));
}

/** Prefixes a payload with its length. */
export function prefixFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}
