import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  AUTHORIZED_KEYS_PATH,
  authorizedKeysEntries,
  checkAuthorizedKeys,
  keyLineProblem,
} from '../../src/overlay/authorized-keys.js';

/** Public keys of every type ssh-keygen makes here: the real peer of the check. */
let dir: string;
const keys: Record<string, string> = {};
let privateKey = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-keys-'));
  for (const type of ['ed25519', 'rsa', 'ecdsa', 'dsa']) {
    const file = join(dir, type);
    try {
      execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `tc@${type}`, '-f', file], { stdio: 'ignore' });
    } catch {
      continue; // OpenSSH 9.8+ makes no DSA keys
    }
    keys[type] = (await readFile(`${file}.pub`, 'utf8')).trim();
  }
  privateKey = await readFile(join(dir, 'ed25519'), 'utf8');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkAuthorizedKeys', () => {
  it("takes ssh-keygen's public keys, with options, comments, blank lines and CRLF", () => {
    expect(Object.keys(keys)).toEqual(expect.arrayContaining(['ed25519', 'rsa', 'ecdsa']));
    const text = [
      '# tc on the lab machines',
      '',
      ...Object.values(keys),
      `from="10.0.0.0/8,192.168.1.1",no-pty,command="echo \\"hi there\\"" ${keys.ed25519}`,
      `${keys.rsa?.split(' ').slice(0, 2).join(' ')}`,
    ].join('\r\n');
    expect(checkAuthorizedKeys(text, 'keys')).toBe(`${text}\n`);
  });

  it('refuses a line that is no key, naming FILE:LINE and quoting it escaped, in one line', () => {
    const text = `${keys.ed25519}\n\nssh-ed25519 not*base64 me\n`;
    expect(() => checkAuthorizedKeys(text, 'k.pub')).toThrow(
      new InputError(
        "k.pub:3: not an OpenSSH public key: the key after ssh-ed25519 is not an SSH public key in base64: 'ssh-ed25519 not*base64 me'",
      ),
    );
    const hostile = 'ssh-rsa \u001b[2Jgotcha\u202e';
    expect(() => checkAuthorizedKeys(hostile, 'k')).toThrow(
      /^k:1: not an OpenSSH public key: .*\\u\{1b\}\[2Jgotcha\\u\{202e\}'$/,
    );
  });

  it('refuses a key whose blob names another type, an unknown type and a missing key', () => {
    const [, blob] = (keys.ed25519 ?? '').split(' ');
    expect(keyLineProblem(`ssh-rsa ${blob}`)).toBe("the key after ssh-rsa is a 'ssh-ed25519' key");
    expect(keyLineProblem(`ssh-foo ${blob}`)).toMatch(/^no known key type \(ssh-ed25519, ssh-rsa/);
    expect(keyLineProblem('ssh-ed25519')).toBe('no key after ssh-ed25519');
    expect(keyLineProblem(`from="x ${keys.ed25519}`)).toBe('an unterminated " in the options');
  });

  it('names a private key without quoting any of it', () => {
    let message = '';
    try {
      checkAuthorizedKeys(privateKey, 'id_ed25519');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'id_ed25519:1: a private key, not public keys (give the .pub file, or an authorized_keys file)',
    );
  });

  it('refuses a file with no key', () => {
    expect(() => checkAuthorizedKeys('# none yet\n\n', 'empty')).toThrow(
      'empty: no public key in it (one OpenSSH public key a line)',
    );
  });

  it('any line that is not a key: one line, FILE:LINE first, nothing a terminal acts on', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (line) => {
        fc.pre(!line.includes('\n') && line.trim() !== '' && !line.trim().startsWith('#'));
        fc.pre(keyLineProblem(line.replace(/\r$/, '').trim()) !== undefined);
        expect(() => checkAuthorizedKeys(`${keys.ed25519}\n${line}\n`, 'f')).toThrow(InputError);
        try {
          checkAuthorizedKeys(`${keys.ed25519}\n${line}\n`, 'f');
        } catch (error) {
          const { message } = error as Error;
          expect(message.startsWith('f:2: ')).toBe(true);
          expect(message).not.toMatch(/[\p{C}\p{Zl}\p{Zp}]/u);
        }
      }),
    );
  });
});

describe('authorizedKeysEntries', () => {
  it("tc's home, .ssh 0700 and authorized_keys 0600, all owned by tc (1001:50)", () => {
    const entries = authorizedKeysEntries('ssh-ed25519 AAAA\n', 7);
    expect(entries.map((e) => [e.path, e.kind, e.mode.toString(8), `${e.uid}:${e.gid}`, e.mtime])).toEqual([
      ['home/tc', 'dir', '755', '1001:50', 7],
      ['home/tc/.ssh', 'dir', '700', '1001:50', 7],
      [AUTHORIZED_KEYS_PATH, 'file', '600', '1001:50', 7],
    ]);
  });
});
