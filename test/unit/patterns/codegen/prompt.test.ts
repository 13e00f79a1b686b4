import { describe, expect, it } from 'vitest';
import { MEMORY_CHARS, codegenPrompt, fenceFor, judgePrompt, parseJudgement } from '../../../../src/patterns/codegen/prompt.js';

describe('codegenPrompt', () => {
  it('holds the task and language and asks for one fenced block', () => {
    const { system, prompt } = codegenPrompt({ task: 'reverse a list', language: 'python', memories: [] });
    expect(system).toContain('python');
    expect(system).toMatch(/exactly one fenced code block/);
    expect(prompt).toContain('Task:\nreverse a list');
    expect(prompt).toContain('```python block');
    expect(prompt).not.toContain('Lessons');
    expect(prompt).not.toContain('Existing code');
  });

  it('puts existing code in a fence it cannot close early', () => {
    const context = 'doc = """\n```\nnot the end\n```\n"""';
    const { prompt } = codegenPrompt({ task: 't', language: 'python', context, memories: [] });
    expect(fenceFor(context)).toBe('````');
    expect(prompt).toContain(
      `Existing code (change or extend it; return the complete updated code):\n\`\`\`\`python\n${context}\n\`\`\`\``,
    );
  });

  it('numbers the memories as strategies and pitfalls with their confidence, clipping long ones', () => {
    const { prompt } = codegenPrompt({
      task: 't',
      language: 'go',
      memories: [
        { kind: 'strategy', title: 'go: parse flags', description: 'worked', content: 'use flag.Parse', confidence: 0.8 },
        {
          kind: 'pitfall',
          title: 'go pitfall: nil map',
          description: 'failed',
          content: 'y'.repeat(MEMORY_CHARS + 50),
          confidence: 0.45,
        },
      ],
    });
    expect(prompt).toContain('1. Strategy that worked (confidence 0.80): go: parse flags');
    expect(prompt).toContain('2. Pitfall to avoid (confidence 0.45): go pitfall: nil map');
    expect(prompt).toContain('[… 50 more characters omitted]');
    expect(prompt.indexOf('Lessons')).toBeLessThan(prompt.indexOf('Reply with the complete code'));
  });
});

describe('judge', () => {
  it('asks for PASS or FAIL with the task, code and notes', () => {
    const { system, prompt } = judgePrompt({
      task: 'add',
      language: 'js',
      code: 'const add = (a, b) => a + b;',
      notes: 'no tests',
    });
    expect(system).toMatch(/PASS or FAIL/);
    expect(prompt).toContain('```js\nconst add');
    expect(prompt).toContain('no tests');
  });

  it('reads PASS and FAIL in the usual decorations', () => {
    expect(parseJudgement('PASS\nIt handles every case.')).toEqual({ success: true, reason: 'It handles every case.' });
    expect(parseJudgement('FAIL: off by one on empty input')).toEqual({ success: false, reason: 'off by one on empty input' });
    expect(parseJudgement('**PASS** - correct')).toEqual({ success: true, reason: 'correct' });
    expect(parseJudgement('  fail\n\nmissing return')).toEqual({ success: false, reason: 'missing return' });
    expect(parseJudgement('PASSED')).toEqual({ success: true, reason: '' });
  });

  it('returns null when the first line is not a verdict', () => {
    expect(parseJudgement('I think it passes.')).toBeNull();
    expect(parseJudgement('')).toBeNull();
    expect(parseJudgement('PASSWORD is hard-coded')).toBeNull();
  });
});
