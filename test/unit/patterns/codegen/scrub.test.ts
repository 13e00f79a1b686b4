import { describe, expect, it } from 'vitest';
import { scrub, scrubText } from '../../../../src/patterns/codegen/scrub.js';

describe('scrub', () => {
  it('redacts provider API keys of every common shape', () => {
    const keys = [
      'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
      'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345',
      'sk-AbCdEfGhIjKlMnOpQrStUvWxYz012345',
      'sk_live_AbCdEfGhIjKlMnOp1234',
      'AKIAIOSFODNN7EXAMPLE',
      'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
      'xoxb-1234567890-abcdefghijkl',
      'AIzaSyA1234567890abcdefghijklmnopqrstuv',
      'hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567',
    ];
    for (const k of keys) {
      const r = scrub(`client = Client(key=${k})`);
      expect(r.text, k).not.toContain(k);
      expect(r.text).toContain('[REDACTED_API_KEY]');
      expect(r.redactions).toBe(1);
    }
  });

  it('redacts JWTs, bearer tokens and private key blocks', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(scrub(`token ${jwt}`).text).toBe('token [REDACTED_TOKEN]');
    expect(scrub('Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345').text).toBe('Authorization: Bearer [REDACTED_TOKEN]');
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----';
    expect(scrub(`key = """${pem}"""`).text).toBe('key = """[REDACTED_PRIVATE_KEY]"""');
  });

  it('redacts literal values assigned to secret-named variables, keeping the name', () => {
    expect(scrub('password = "hunter2hunter2"').text).toBe('password = "[REDACTED_SECRET]"');
    expect(scrub("const apiKey = 'abc123def456ghi';").text).toBe("const apiKey = '[REDACTED_SECRET]';");
    expect(scrub('{"client_secret": "0123456789abcdef"}').text).toBe('{"client_secret": "[REDACTED_SECRET]"}');
    expect(scrub('export STRIPE_API_KEY=abcdef0123456789\nnext').text).toBe('export STRIPE_API_KEY=[REDACTED_SECRET]\nnext');
  });

  it('leaves code that only names secrets alone', () => {
    const code = [
      'api_key = os.environ["OPENAI_API_KEY"]',
      'token = tokens[0]',
      'password = input("Password: ")',
      'const secret = process.env.SECRET;',
      'API_KEY=$OPENAI_API_KEY',
      'token = "short"',
      'def tokenize(text): return text.split()',
    ].join('\n');
    expect(scrub(code)).toEqual({ text: code, redactions: 0 });
  });

  it('redacts e-mail addresses but keeps the reserved example domains', () => {
    const r = scrub('Contact jane.doe+work@acme-corp.co.uk or ops@mail.internal.io; test with user@example.com.');
    expect(r.text).toBe('Contact [REDACTED_EMAIL] or [REDACTED_EMAIL]; test with user@example.com.');
    expect(r.redactions).toBe(2);
  });

  it('is idempotent and keeps text without secrets unchanged', () => {
    const once = scrub('key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz and me@corp.io').text;
    expect(scrub(once)).toEqual({ text: once, redactions: 0 });
    expect(scrub('def add(a, b):\n    return a + b')).toEqual({ text: 'def add(a, b):\n    return a + b', redactions: 0 });
  });

  it('scrubText passes null and undefined through', () => {
    expect(scrubText(null)).toBeNull();
    expect(scrubText(undefined)).toBeUndefined();
    expect(scrubText('me@corp.io')).toBe('[REDACTED_EMAIL]');
  });
});
