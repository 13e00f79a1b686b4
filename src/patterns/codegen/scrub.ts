/**
 * Removes obvious secrets and personal data from text before it is stored: API keys and tokens of
 * the common providers, private key blocks, JWTs, bearer tokens, `KEY = "value"` assignments,
 * and e-mail addresses. Obvious means recognisable by shape: this is a safety net, not a DLP
 * system. Each match becomes a `[REDACTED_<KIND>]` placeholder, which no rule matches again, so
 * scrubbing twice changes nothing.
 */

interface Rule {
  kind: string;
  re: RegExp;
  /** Replacement; `$1`.. keep a prefix such as the variable name. Default: the placeholder. */
  keep?: string;
}

const placeholder = (kind: string) => `[REDACTED_${kind}]`;

// Order matters: the specific shapes first, then the generic ones that would swallow them.
const RULES: Rule[] = [
  { kind: 'PRIVATE_KEY', re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g },
  { kind: 'API_KEY', re: /\bsk-ant-[A-Za-z0-9_-]{16,}/g },
  { kind: 'API_KEY', re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'API_KEY', re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { kind: 'API_KEY', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { kind: 'API_KEY', re: /\bgh[pousr]_[A-Za-z0-9]{30,}/g },
  { kind: 'API_KEY', re: /\bgithub_pat_[A-Za-z0-9_]{22,}/g },
  { kind: 'API_KEY', re: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { kind: 'API_KEY', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'API_KEY', re: /\bAIza[0-9A-Za-z_-]{35}/g },
  { kind: 'API_KEY', re: /\bhf_[A-Za-z0-9]{30,}/g },
  { kind: 'TOKEN', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: 'TOKEN', re: /\b(Bearer\s+)[A-Za-z0-9._~+/-]{16,}=*/g, keep: '$1' },
  // name = "value" / name: 'value' where the name says it is secret (any case, any language).
  {
    kind: 'SECRET',
    re: /\b([A-Za-z0-9_.-]*(?:api[_-]?key|secret|passw(?:or)?d|token|access[_-]?key|auth[_-]?key|private[_-]?key)[A-Za-z0-9_]*["']?\s*[:=]\s*)(["'`])(?!\[REDACTED_)([^"'`\s]{8,})\2/gi,
    keep: '$1$2',
  },
  // SHELL_STYLE_SECRET=value in env files and shell lines (a literal, not $VAR or an expression).
  {
    kind: 'SECRET',
    re: /\b([A-Z][A-Z0-9_]*(?:API_KEY|SECRET|TOKEN|PASSWORD|PASSWD|ACCESS_KEY)[A-Z0-9_]*=)(?!\[REDACTED_)([^\s'"`$()[\]{}]{8,})(?=\s|$)/g,
    keep: '$1',
  },
  { kind: 'EMAIL', re: /\b[A-Za-z0-9._%+-]+@(?!example\.(?:com|org|net)\b)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
];

export interface Scrubbed {
  text: string;
  /** How many secrets or addresses were replaced. */
  redactions: number;
}

export function scrub(text: string): Scrubbed {
  let out = text;
  let redactions = 0;
  for (const rule of RULES) {
    out = out.replace(rule.re, (...m: string[]) => {
      redactions++;
      if (!rule.keep) return placeholder(rule.kind);
      // Rebuild the kept groups ($1, $2) around the placeholder; a quote group closes it again.
      const g1 = m[1] ?? '';
      if (rule.keep === '$1$2') return `${g1}${m[2]}${placeholder(rule.kind)}${m[2]}`;
      return `${g1}${placeholder(rule.kind)}`;
    });
  }
  return { text: out, redactions };
}

/** `scrub(text).text`, for null-able fields. */
export function scrubText<T extends string | null | undefined>(text: T): T {
  return (typeof text === 'string' ? scrub(text).text : text) as T;
}

/** Email addresses at the reserved documentation domains (RFC 2606) are kept: they name nobody. */
export const KEPT_EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;
