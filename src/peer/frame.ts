/**
 * The peer wire format: each frame is a 4-byte big-endian length, then a msgpack array
 * [type, channel, request id, body]. The length is checked against the maximum before a byte of
 * the frame is buffered, so a peer cannot make us hold more than one maximum-size frame.
 */
import { Packr } from 'msgpackr';
import { SixfoldError } from '../errors.js';

export const FrameType = { HELLO: 0, MSG: 1, REQ: 2, RES: 3, ERR: 4, PING: 5 } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export interface Frame {
  type: FrameType;
  /** Channel name (MSG, REQ; RES/ERR carry the request's). */
  channel: string;
  /** Request id for REQ / RES / ERR; 0 otherwise. */
  id: number;
  body: unknown;
}

// Plain maps and arrays (records off), so any msgpack decoder reads a frame.
const packr = new Packr({ useRecords: false, moreTypes: false });
const HEADER = 4;

/** The bytes of one frame; throws if it would exceed `maxBytes` (a caller error: the message is too big). */
export function encodeFrame(f: Frame, maxBytes: number): Buffer {
  const payload = packr.pack([f.type, f.channel, f.id, f.body]);
  if (payload.length > maxBytes) {
    throw new SixfoldError(
      'invalid_input',
      `A peer message of ${payload.length} bytes is over the ${maxBytes}-byte frame limit.`,
      'Send less at once, or raise cluster.max_frame_bytes on every node.',
    );
  }
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, HEADER);
  return out;
}

export class FrameError extends Error {}

function toFrame(v: unknown): Frame {
  if (!Array.isArray(v) || v.length !== 4) throw new FrameError('a frame is not a 4-item array');
  const [type, channel, id, body] = v as unknown[];
  if (typeof type !== 'number' || !Number.isInteger(type) || type < 0 || type > FrameType.PING)
    throw new FrameError('unknown frame type');
  if (typeof channel !== 'string' || channel.length > 64) throw new FrameError('bad channel');
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new FrameError('bad request id');
  return { type: type as FrameType, channel, id, body };
}

/** Splits a byte stream into frames; throws FrameError on an oversize or undecodable frame. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Frame[] = [];
    for (;;) {
      if (this.buffered < HEADER) return out;
      const head = this.peekHeader();
      if (head > this.maxBytes) throw new FrameError(`a frame of ${head} bytes is over the ${this.maxBytes}-byte limit`);
      if (this.buffered < HEADER + head) return out;
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
      const payload = all.subarray(HEADER, HEADER + head);
      const rest = all.subarray(HEADER + head);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      let decoded: unknown;
      try {
        decoded = packr.unpack(payload);
      } catch {
        throw new FrameError('a frame is not valid msgpack');
      }
      out.push(toFrame(decoded));
    }
  }

  private peekHeader(): number {
    const first = this.chunks[0];
    if (first.length >= HEADER) return first.readUInt32BE(0);
    const head = Buffer.concat(this.chunks, this.buffered).subarray(0, HEADER);
    return head.readUInt32BE(0);
  }
}
