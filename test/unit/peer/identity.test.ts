import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/memory/db.js';
import { loadOrCreateIdentity, nodeIdOf, verifyNodeSignature } from '../../../src/peer/identity.js';
import { NODE_ID_RE, luhn32, parseNodeId } from '../../../src/peer/node-id.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('node ids', () => {
  it('are four checked groups of base32 from the public key hash; parsing forgives case and dashes, not typos', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const id = nodeIdOf(publicKey);
    expect(id).toMatch(NODE_ID_RE);
    expect(id).toHaveLength(39);
    expect(nodeIdOf(publicKey)).toBe(id);
    expect(nodeIdOf(generateKeyPairSync('ed25519').publicKey)).not.toBe(id);
    expect(parseNodeId(id.toLowerCase())).toBe(id);
    expect(parseNodeId(id.replace(/-/g, ''))).toBe(id);
    expect(parseNodeId(` ${id.replace(/-/g, ' ')} `)).toBe(id);
    // One changed character in any group is caught by that group's check character.
    for (const at of [0, 12, 25, 37]) {
      const c = id[at] === 'A' ? 'B' : 'A';
      const typo = id.slice(0, at) + c + id.slice(at + 1);
      expect(() => parseNodeId(typo)).toThrow(/check character in group/);
    }
    expect(() => parseNodeId('not-an-id')).toThrow(/is not a node id/);
    expect(() => parseNodeId('0'.repeat(36))).toThrow(/is not a node id/);
  });

  it('the check character is Luhn mod 32', () => {
    // Worked by hand: "AB" -> codepoints 0,1; from the right: 2·1 = 2, 1·0 = 0; sum 2; (32 − 2) mod 32 = 30 -> '6'.
    expect(luhn32('AB')).toBe('6');
    expect(luhn32('AA')).toBe('A');
  });
});

describe('node identity in the database', () => {
  it('is made once and persists; the file becomes owner-only; the key never shows in JSON or inspect', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixfold-id-'));
    dirs.push(dir);
    const path = join(dir, 'n.db');
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    const db = openDatabase(path);
    const first = await loadOrCreateIdentity(db, path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateIdentity(db, path);
    expect(again.nodeId).toBe(first.nodeId);
    db.close();
    const db2 = openDatabase(path);
    const reopened = await loadOrCreateIdentity(db2, path);
    expect(reopened.nodeId).toBe(first.nodeId);
    expect(reopened.certificatePem).toBe(first.certificatePem);
    expect(JSON.stringify(reopened)).toBe(JSON.stringify({ node_id: first.nodeId }));
    expect(inspect(reopened)).not.toMatch(/PRIVATE|KEY/);
    const sig = reopened.sign(Buffer.from('x'));
    expect(verifyNodeSignature(first.publicKey, Buffer.from('x'), sig)).toBe(true);
    expect(verifyNodeSignature(first.publicKey, Buffer.from('y'), sig)).toBe(false);

    // A row whose certificate is not for its key is refused, not used.
    const other = openDatabase(':memory:');
    const stranger = await loadOrCreateIdentity(other, ':memory:');
    other.close();
    db2.prepare('UPDATE node_identity SET certificate = ?').run(stranger.certificatePem);
    await expect(loadOrCreateIdentity(db2, path)).rejects.toThrow(/damaged/);
    db2.close();
  });
});
