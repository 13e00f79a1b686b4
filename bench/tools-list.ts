import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { encode } from 'gpt-tokenizer';
import { fmt, type Row } from './lib/stats.js';

const ENTRY = resolve('dist/src/main.js');
const PRESETS = ['memory', 'codegen', 'coordination', 'all'] as const;
/** The goal of the issue: what a memory-only client pays for tools/list. */
const MEMORY_GOAL_TOKENS = 2000;

/** The tools/list result a client receives with SIXFOLD_TOOLS=preset, as the JSON it is sent as. */
async function toolsList(db: string, preset: string): Promise<{ json: string; tools: number }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [ENTRY, '--db', db, '--log-level', 'silent'],
    env: { PATH: process.env.PATH ?? '', SIXFOLD_TOOLS: preset },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  try {
    const r = await client.listTools();
    return { json: JSON.stringify(r), tools: r.tools.length };
  } finally {
    await client.close();
  }
}

/**
 * The size of tools/list per preset: characters, characters/4 and tokens (o200k_base, the
 * GPT-4o/GPT-5 encoding, via gpt-tokenizer). Not a timing: a size, the same on every machine.
 */
export async function runToolsListBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sixfold-bench-tools-'));
  try {
    const sizes = new Map<string, { chars: number; tokens: number; tools: number }>();
    for (const preset of PRESETS) {
      const { json, tools } = await toolsList(join(dir, 'tools.db'), preset);
      sizes.set(preset, { chars: json.length, tokens: encode(json).length, tools });
    }
    const all = sizes.get('all')!;
    return PRESETS.map((preset) => {
      const s = sizes.get(preset)!;
      const approx = s.chars / 4;
      const memory = preset === 'memory';
      return {
        figure: `tools/list, SIXFOLD_TOOLS=${preset} (${s.tools} tools)`,
        anchor:
          preset === 'all'
            ? 'before presets: all 16 tools, 41,839 chars (~10.5k tokens)'
            : `every tool, this run: ${fmt(all.chars, 0)} chars, ~${fmt(all.chars / 4, 0)} tokens`,
        ours: `${fmt(s.chars, 0)} chars, ~${fmt(approx, 0)} tokens (chars/4), ${fmt(s.tokens, 0)} o200k tokens`,
        goal: memory ? `< ${MEMORY_GOAL_TOKENS} tokens` : '—',
        met: memory ? approx < MEMORY_GOAL_TOKENS && s.tokens < MEMORY_GOAL_TOKENS : undefined,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
