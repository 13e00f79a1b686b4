/**
 * Marker lines: a comment, in any common comment style, whose text says the code around it is
 * kept: "... existing code ...", "... rest of code ...", "... existing code here ...",
 * "... unchanged ...", any case, "…" accepted for "...".
 */
const DOTS = '(?:\\.{3}|…)';
const PHRASE = '(?:existing code(?: here)?|rest of (?:the )?code|unchanged(?: code)?)';
const OPEN = '(?:\\/\\/+|#+|--+|;+|%+|\\/\\*+|<!--|\\{\\/\\*)';
const CLOSE = '(?:\\*+\\/|-->|\\*\\/\\})?';
const MARKER = new RegExp(`^\\s*${OPEN}\\s*${DOTS}\\s*${PHRASE}(?:[^.…]*?)\\s*${DOTS}\\s*${CLOSE}\\s*$`, 'i');

export function isMarker(line: string): boolean {
  return MARKER.test(line);
}
