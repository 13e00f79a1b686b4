/**
 * Getting the code out of a model's reply: fenced blocks (``` or ~~~, CommonMark rules for the
 * fence length), the block tagged with the requested language preferred, else the longest block.
 * A reply with no fenced block has no code: the caller turns that into an error, never into "".
 */

/**
 * Common short names, so "ts" and "TypeScript" are one language in memory and in fences. A Map:
 * the caller's language indexes it, and "constructor" must not find Object.
 */
const ALIASES = new Map<string, string>(
  Object.entries({
    ts: 'typescript',
    tsx: 'typescript',
    mts: 'typescript',
    cts: 'typescript',
    js: 'javascript',
    jsx: 'javascript',
    mjs: 'javascript',
    cjs: 'javascript',
    node: 'javascript',
    py: 'python',
    python3: 'python',
    py3: 'python',
    rs: 'rust',
    golang: 'go',
    rb: 'ruby',
    kt: 'kotlin',
    kts: 'kotlin',
    cs: 'csharp',
    'c#': 'csharp',
    'c++': 'cpp',
    cxx: 'cpp',
    cc: 'cpp',
    hpp: 'cpp',
    sh: 'bash',
    shell: 'bash',
    zsh: 'bash',
    ps1: 'powershell',
    pwsh: 'powershell',
    yml: 'yaml',
    md: 'markdown',
    postgres: 'sql',
    postgresql: 'sql',
    sqlite: 'sql',
    plpgsql: 'sql',
  }),
);

/** Lower-case, trimmed, aliases resolved: `"TS"` → `"typescript"`. */
export function normalizeLanguage(language: string): string {
  const l = language.trim().toLowerCase().replace(/\s+/g, ' ');
  return ALIASES.get(l) ?? l;
}

export interface CodeBlock {
  /** The fence's info word, normalised ("" when untagged). */
  lang: string;
  body: string;
  /** The reply ended before the closing fence (a truncated answer). */
  unterminated: boolean;
}

const OPEN_FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;

/** Every fenced block in `text`, in order. */
export function codeBlocks(text: string): CodeBlock[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN_FENCE.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j])) body.push(lines[j++]);
    blocks.push({ lang: open[2] ? normalizeLanguage(open[2]) : '', body: body.join('\n'), unterminated: j >= lines.length });
    i = j;
  }
  return blocks;
}

/**
 * The code in a reply, or null when there is none. Preference: a block tagged with `language`,
 * then any block; among equals the longest (a solution outweighs a usage line).
 */
export function extractCode(text: string, language: string): string | null {
  const want = normalizeLanguage(language);
  const blocks = codeBlocks(text).filter((b) => b.body.trim() !== '');
  if (!blocks.length) return null;
  const tagged = blocks.filter((b) => b.lang === want);
  const pool = tagged.length ? tagged : blocks;
  const best = pool.reduce((a, b) => (b.body.trim().length > a.body.trim().length ? b : a));
  return trimBlankLines(best.body);
}

function trimBlankLines(s: string): string {
  return s.replace(/^(?:[ \t]*\n)+/, '').replace(/\s+$/, '');
}
