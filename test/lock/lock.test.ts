import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LockDriftError, LockError } from '../../src/errors.js';
import { FrozenInputs } from '../../src/lock/frozen.js';
import { canonicalLock, formatLock, type Lock, parseLock } from '../../src/lock/lock.js';

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const input = fc.record({ url: fc.webUrl(), size: fc.nat(), sha256: hex64 });
const anyLock = fc
  .record({
    lists: fc.record({ builtin: fc.array(fc.string()), mirror: fc.array(fc.string()) }),
    followDeps: fc.boolean(),
    closure: fc.record({ builtin: fc.array(fc.string()), mirror: fc.array(fc.string()) }),
    gems: fc.uniqueArray(fc.record({ name: fc.string(), version: fc.string() }), { selector: (g) => g.name }),
    inputs: fc.uniqueArray(input, { selector: (i) => i.url }),
    absent: fc.uniqueArray(fc.webUrl()),
  })
  .map(canonicalLock);

const sha = (c: string) => c.repeat(64);
const LOCK: Lock = canonicalLock({
  lists: { builtin: ['ruby.tcz', 'lshw.deb'], mirror: ['fuse.tcz'] },
  followDeps: true,
  closure: { builtin: ['ruby.tcz', 'gcc_libs.tcz'], mirror: ['fuse.tcz'] },
  gems: [{ name: 'stomp', version: '1.3.2' }],
  inputs: [
    { url: 'http://m/tcz/ruby.tcz', size: 10, sha256: sha('a') },
    { url: 'http://m/Core-current.iso', size: 20, sha256: sha('b') },
  ],
  absent: ['http://m/tcz/fuse.tcz.dep'],
});

describe('parseLock', () => {
  it('reads back what formatLock writes, and formats a canonical lock the same every time', () => {
    fc.assert(
      fc.property(anyLock, (lock) => {
        const text = formatLock(lock);
        expect(parseLock(text, 'x.json')).toEqual(lock);
        expect(formatLock(canonicalLock(parseLock(text, 'x.json')))).toBe(text);
      }),
    );
  });

  it('sorts inputs, gems and absent files, whatever order the run found them in', () => {
    expect(LOCK.inputs.map((i) => i.url)).toEqual(['http://m/Core-current.iso', 'http://m/tcz/ruby.tcz']);
  });

  it.each([
    ['not json', 'not json', 'x.json: not a lockfile (not JSON:'],
    ['an array', '[]', 'x.json: not a lockfile (not a JSON object)'],
    ['another format', '{"format": 2}', "x.json: lockfile format '2', this mkbundle reads 1"],
    [
      'followDeps not a boolean',
      JSON.stringify({ ...LOCK, followDeps: 'yes' }),
      'x.json: followDeps must be true or false',
    ],
    [
      'a list entry not a string',
      JSON.stringify({ ...LOCK, lists: { builtin: [1], mirror: [] } }),
      'x.json: lists.builtin must be a list of strings',
    ],
    [
      'a negative size',
      JSON.stringify({ ...LOCK, inputs: [{ url: 'u', size: -1, sha256: sha('a') }] }),
      'x.json: inputs[0] is not a valid entry',
    ],
    [
      'a short sha256',
      JSON.stringify({ ...LOCK, inputs: [{ url: 'u', size: 1, sha256: 'abc' }] }),
      'x.json: inputs[0] is not a valid entry',
    ],
    ['gems not a list', JSON.stringify({ ...LOCK, gems: {} }), 'x.json: gems must be a list'],
  ])('refuses %s with a LockError naming the file', (_what, text, message) => {
    expect(() => parseLock(text, 'x.json')).toThrow(LockError);
    expect(() => parseLock(text, 'x.json')).toThrow(message);
  });
});

describe('FrozenInputs', () => {
  const frozen = new FrozenInputs(LOCK, 'mk.lock');

  it('takes the same lists and closure setting', () => {
    expect(() => frozen.checkLists(LOCK.lists, true)).not.toThrow();
  });

  it.each([
    [{ builtin: ['ruby.tcz', 'lshw.deb', 'bash.tcz'], mirror: ['fuse.tcz'] }, 'the builtin list adds bash.tcz since'],
    [{ builtin: ['ruby.tcz', 'lshw.deb'], mirror: [] }, 'the mirror list drops fuse.tcz since'],
    [
      { builtin: ['lshw.deb', 'ruby.tcz'], mirror: ['fuse.tcz'] },
      'the builtin list orders its entries differently since',
    ],
    [{ builtin: ['ruby.tcz', 'bash.tcz'], mirror: ['fuse.tcz'] }, 'adds bash.tcz and drops lshw.deb since'],
  ])('refuses other lists, naming the change: %j', (lists, message) => {
    expect(() => frozen.checkLists(lists, true)).toThrow(LockError);
    expect(() => frozen.checkLists(lists, true)).toThrow(message);
  });

  it('refuses another --deps setting', () => {
    expect(() => frozen.checkLists(LOCK.lists, false)).toThrow('mk.lock was written with the .dep closure');
  });

  it('passes the locked inputs and absent files, and names every other kind of drift', () => {
    expect(() => frozen.check('http://m/tcz/ruby.tcz', { size: 10, sha256: sha('a') })).not.toThrow();
    expect(() => frozen.check('http://m/tcz/fuse.tcz.dep', null)).not.toThrow();
    const drift = (url: string, found: Parameters<FrozenInputs['check']>[1]) => () => frozen.check(url, found);
    expect(drift('http://m/tcz/ruby.tcz', { size: 10, sha256: sha('c') })).toThrow(LockDriftError);
    expect(drift('http://m/tcz/ruby.tcz', { size: 10, sha256: sha('c') })).toThrow(
      `--frozen: http://m/tcz/ruby.tcz changed since mk.lock was written (sha256 ${sha('a')}, 10 bytes; now ${sha('c')}, 10 bytes)`,
    );
    expect(drift('http://m/tcz/ruby.tcz', null)).toThrow(
      '--frozen: http://m/tcz/ruby.tcz is gone (404); mk.lock has it',
    );
    expect(drift('http://m/tcz/fuse.tcz.dep', { size: 1, sha256: sha('d') })).toThrow(
      'http://m/tcz/fuse.tcz.dep exists now; mk.lock records it absent',
    );
    expect(drift('http://m/tcz/new.tcz', { size: 1, sha256: sha('d') })).toThrow(
      'http://m/tcz/new.tcz is not in mk.lock',
    );
    expect(drift('http://m/tcz/new.tcz.dep', null)).toThrow('http://m/tcz/new.tcz.dep is not in mk.lock');
  });

  it("gives each gem's locked version; a gem the lock lacks is drift", () => {
    expect(frozen.gemVersion('stomp')).toBe('1.3.2');
    expect(() => frozen.gemVersion('json')).toThrow(LockDriftError);
    expect(() => frozen.gemVersion('json')).toThrow('--frozen: gem json is not in mk.lock');
  });
});
