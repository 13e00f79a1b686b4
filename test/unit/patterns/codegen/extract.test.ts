import { describe, expect, it } from 'vitest';
import { codeBlocks, extractCode, normalizeLanguage } from '../../../../src/patterns/codegen/extract.js';

describe('normalizeLanguage', () => {
  it('lower-cases, trims and resolves aliases', () => {
    expect(normalizeLanguage(' TypeScript ')).toBe('typescript');
    expect(normalizeLanguage('ts')).toBe('typescript');
    expect(normalizeLanguage('PY')).toBe('python');
    expect(normalizeLanguage('C++')).toBe('cpp');
    expect(normalizeLanguage('c#')).toBe('csharp');
    expect(normalizeLanguage('haskell')).toBe('haskell');
  });
});

describe('extractCode', () => {
  it('takes the one fenced block and drops the prose around it', () => {
    const reply = 'Here you go:\n\n```python\ndef add(a, b):\n    return a + b\n```\n\nThis adds two numbers.';
    expect(extractCode(reply, 'python')).toBe('def add(a, b):\n    return a + b');
  });

  it('prefers the block tagged with the language over a longer block in another language', () => {
    const reply = [
      'Install first:',
      '```bash',
      'pip install requests  # a long line of shell that is longer than the code',
      'pip install other-things',
      '```',
      'Then:',
      '```py',
      'import requests',
      '```',
    ].join('\n');
    expect(extractCode(reply, 'python')).toBe('import requests');
  });

  it('among blocks of the language takes the longest (the solution, not the usage line)', () => {
    const reply = '```ts\nexport function f(x: number) {\n  return x * 2;\n}\n```\nUsage:\n```ts\nf(2);\n```';
    expect(extractCode(reply, 'typescript')).toBe('export function f(x: number) {\n  return x * 2;\n}');
  });

  it('falls back to an untagged block, and to the longest block of any tag', () => {
    expect(extractCode('```\nSELECT 1;\n```', 'sql')).toBe('SELECT 1;');
    expect(extractCode('```js\nconsole.log(1)\n```', 'typescript')).toBe('console.log(1)');
  });

  it('handles tilde fences, longer fences holding backticks, CRLF and indented fences', () => {
    expect(extractCode('~~~rust\nfn main() {}\n~~~', 'rust')).toBe('fn main() {}');
    const nested = '````markdown\nSome text\n```js\nx()\n```\n````';
    expect(extractCode(nested, 'markdown')).toBe('Some text\n```js\nx()\n```');
    expect(extractCode('```go\r\npackage main\r\n```\r\n', 'go')).toBe('package main');
    expect(extractCode('  ```python\nx = 1\n  ```', 'python')).toBe('x = 1');
  });

  it('keeps a truncated reply whose closing fence never came', () => {
    const blocks = codeBlocks('```python\ndef f():\n    return 1');
    expect(blocks).toEqual([{ lang: 'python', body: 'def f():\n    return 1', unterminated: true }]);
    expect(extractCode('```python\ndef f():\n    return 1', 'python')).toBe('def f():\n    return 1');
  });

  it('returns null when there is no code: prose only, or only empty blocks', () => {
    expect(extractCode('I cannot help with that.', 'python')).toBeNull();
    expect(extractCode('Use the `sorted` builtin.', 'python')).toBeNull();
    expect(extractCode('```python\n\n   \n```', 'python')).toBeNull();
    expect(extractCode('', 'python')).toBeNull();
  });

  it('trims leading blank lines and trailing whitespace but keeps indentation', () => {
    expect(extractCode('```python\n\n\n    x = 1\n\n```', 'python')).toBe('    x = 1');
  });
});
