/**
 * The stdio line reader: lines across chunk boundaries, CRLF, multi-byte characters split between
 * chunks, oversize lines reported once and skipped, and reading linear in the bytes (each byte is
 * looked at once; the SDK's buffer rescanned everything held on every chunk).
 */
import { describe, expect, it } from 'vitest';
import { LineReader } from '../../../src/transport/line-reader.js';

function feed(max: number, chunks: Buffer[]) {
  const lines: string[] = [];
  const over: number[] = [];
  const r = new LineReader(
    max,
    (l) => lines.push(l),
    (n) => over.push(n),
  );
  for (const c of chunks) r.push(c);
  return { lines, over, r };
}

describe('LineReader', () => {
  it('joins a line split over chunks, splits several lines in one chunk, strips one trailing CR', () => {
    const { lines } = feed(100, [Buffer.from('{"a"'), Buffer.from(':1}\r\n{"b":2}\n{"c"'), Buffer.from(':3}\n')]);
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('decodes a UTF-8 character split between two chunks', () => {
    const bytes = Buffer.from('"字😀"\n');
    const { lines } = feed(100, [bytes.subarray(0, 2), bytes.subarray(2, 6), bytes.subarray(6)]);
    expect(lines).toEqual(['"字😀"']);
  });

  it('reports a line over the limit as soon as it passes it (no newline needed), then skips to the next line', () => {
    const { lines, over, r } = feed(10, [Buffer.from('12345678'), Buffer.from('9012345')]);
    expect(over).toEqual([15]);
    expect(r.pending).toBe(0);
    const after = feed(10, [Buffer.from('123456789012345'), Buffer.from('678\nok\n')]);
    expect(after.over).toEqual([15]);
    expect(after.lines).toEqual(['ok']);
    expect(lines).toEqual([]);
  });

  it('a line of exactly the limit is accepted; one byte more is not', () => {
    expect(feed(5, [Buffer.from('12345\n')]).lines).toEqual(['12345']);
    expect(feed(5, [Buffer.from('123456\n')]).over).toEqual([6]);
  });

  it('holds each piece of a long line once: a 9 MiB line in 64 KiB chunks is one line, read in one pass', () => {
    const line = Buffer.alloc(9 * 1024 * 1024, 0x61);
    const chunks: Buffer[] = [];
    for (let off = 0; off < line.length; off += 65536) chunks.push(line.subarray(off, off + 65536));
    chunks.push(Buffer.from('\n'));
    const { lines, r } = feed(10 * 1024 * 1024, chunks);
    expect(lines).toHaveLength(1);
    expect(lines[0].length).toBe(line.length);
    expect(r.pending).toBe(0);
  });
});
