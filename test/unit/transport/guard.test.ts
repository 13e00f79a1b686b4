import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { allowedHostnames, tokenMatches, urlHostname } from '../../../src/transport/guard.js';

describe('urlHostname: names in the form the SDK Host check compares', () => {
  it('lower-cases names, brackets IPv6, drops ports, and refuses what cannot be a host', () => {
    expect(urlHostname('LocalHost')).toBe('localhost');
    expect(urlHostname('my.host:8080')).toBe('my.host');
    expect(urlHostname('::1')).toBe('[::1]');
    expect(urlHostname('[::1]')).toBe('[::1]');
    expect(urlHostname('[::1]:7400')).toBe('[::1]');
    expect(urlHostname('0:0:0:0:0:0:0:1')).toBe('[::1]');
    expect(urlHostname('FE80::1')).toBe('[fe80::1]');
    expect(urlHostname('bad host')).toBeUndefined();
    expect(urlHostname('')).toBeUndefined();
  });
});

describe('allowedHostnames', () => {
  it('on loopback: the loopback names and the bound address, plus configured extras', () => {
    expect(allowedHostnames('127.0.0.1').sort()).toEqual(['127.0.0.1', 'localhost', '[::1]'].sort());
    expect(allowedHostnames('10.0.0.5', ['Box.LAN', '[fd00::7]']).sort()).toEqual(
      ['10.0.0.5', '127.0.0.1', 'box.lan', 'localhost', '[::1]', '[fd00::7]'].sort(),
    );
  });

  it('bound everywhere: this machine’s own name and addresses, never a wildcard', () => {
    const names = allowedHostnames('0.0.0.0');
    expect(names).toContain(hostname().toLowerCase());
    expect(names).not.toContain('0.0.0.0');
    expect(names).not.toContain('[::]');
  });
});

describe('tokenMatches', () => {
  const TOKEN = 'unit-secret-token-0123456789';
  it('takes exactly "Bearer <token>" (scheme in any case), nothing else', () => {
    expect(tokenMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(tokenMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    for (const h of [undefined, '', TOKEN, `Bearer ${TOKEN}x`, `Bearer ${TOKEN} extra`, `Basic ${TOKEN}`, 'Bearer ']) {
      expect(tokenMatches(h, TOKEN), String(h)).toBe(false);
    }
  });
});
