import { keyNoWs, keyWs } from '../lines.js';

/** How lines are compared, strictest first: exactly; runs of whitespace collapsed and ends trimmed; all whitespace removed. */
export const MATCH_LEVELS = [(l: string) => l, keyWs, keyNoWs] as const;
export type MatchLevel = 0 | 1 | 2;

/** The original file's lines as integer ids at one match level, and where each id occurs. */
export class LineIndex {
  private readonly ids = new Map<string, number>();
  readonly orig: Int32Array;
  /** 1 where the original line is blank (empty or whitespace only). */
  readonly blank: Uint8Array;
  private readonly at = new Map<number, number[]>();

  constructor(
    lines: readonly string[],
    readonly level: MatchLevel,
  ) {
    this.orig = new Int32Array(lines.length);
    this.blank = Uint8Array.from(lines, (l) => (l.trim() === '' ? 1 : 0));
    lines.forEach((line, i) => {
      const id = this.idOf(line);
      this.orig[i] = id;
      let list = this.at.get(id);
      if (!list) this.at.set(id, (list = []));
      list.push(i);
    });
  }

  get size(): number {
    return this.orig.length;
  }

  /** The id of a line at this level (a line the original lacks gets an id no original line has). */
  idOf(line: string): number {
    const key = MATCH_LEVELS[this.level](line);
    let id = this.ids.get(key);
    if (id === undefined) this.ids.set(key, (id = this.ids.size));
    return id;
  }

  /** Sorted 0-based original lines with this id. */
  occurrences(id: number): readonly number[] {
    return this.at.get(id) ?? [];
  }
}
