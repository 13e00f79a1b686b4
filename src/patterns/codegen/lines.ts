/** Text as lines, remembering the line ending and whether the text ended with one. */
export interface Lines {
  lines: string[];
  eol: '\n' | '\r\n';
  trailingNewline: boolean;
}

export function splitLines(text: string): Lines {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length;
  const eol = crlf > 0 && crlf * 2 >= lf ? '\r\n' : '\n';
  const trailingNewline = text.endsWith('\n');
  const body = trailingNewline ? text.slice(0, text.endsWith('\r\n') ? -2 : -1) : text;
  const lines = body.length || trailingNewline ? body.split(/\r?\n/) : [];
  return { lines, eol, trailingNewline };
}

export function joinLines(l: Lines): string {
  return l.lines.join(l.eol) + (l.trailingNewline && l.lines.length ? l.eol : '');
}

/** Match keys, loosest last: exact; whitespace runs collapsed and ends trimmed; all whitespace removed. */
export const keyWs = (s: string) => s.trim().replace(/\s+/g, ' ');
export const keyNoWs = (s: string) => s.replace(/\s+/g, '');
