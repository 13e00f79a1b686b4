import { isMarker } from '../markers.js';

/** One region of a lazy edit: consecutive lines between markers. */
export interface EditRegion {
  lines: string[];
  /** A marker precedes it (only the first region can lack one: it then starts at line 1). */
  leadingMarker: boolean;
  /** A marker follows it (without one, the last region runs to the end of the file). */
  trailingMarker: boolean;
  /** 1-based lines of the edit this region came from. */
  editStart: number;
  editEnd: number;
}

/** Splits an edit at its marker lines; regions of only blank lines are dropped. */
export function parseEdit(editLines: readonly string[]): EditRegion[] {
  const regions: EditRegion[] = [];
  let cur: string[] = [];
  let curStart = 0;
  let sawMarker = false;
  const flush = (trailing: boolean, end: number) => {
    if (cur.some((l) => l.trim() !== '')) {
      regions.push({ lines: cur, leadingMarker: sawMarker, trailingMarker: trailing, editStart: curStart + 1, editEnd: end });
    }
    cur = [];
  };
  editLines.forEach((line, idx) => {
    if (isMarker(line)) {
      flush(true, idx);
      sawMarker = true;
    } else {
      if (!cur.length) curStart = idx;
      cur.push(line);
    }
  });
  flush(false, editLines.length);
  // A region's leading marker is the one right before it; only the first region can lack one.
  for (let i = 1; i < regions.length; i++) regions[i].leadingMarker = true;
  return regions;
}

export function describeRegion(r: EditRegion, i: number): string {
  return `Region ${i + 1} (edit lines ${r.editStart}-${r.editEnd})`;
}
