import type { ArchiveEntry } from '../archive/entry.js';
import { quoted } from '../config/quote.js';
import { InputError } from '../errors.js';
import { bufferEntry } from './entries.js';

/** Key types OpenSSH's sshd takes in authorized_keys, certificates included. */
export const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-ed25519-cert-v01@openssh.com',
  'ssh-rsa-cert-v01@openssh.com',
  'ssh-dss-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'sk-ssh-ed25519-cert-v01@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
] as const;

const isKeyType = (word: string): boolean => (KEY_TYPES as readonly string[]).includes(word);

/** Where tc's keys go in dev and debug images, and tc's ids as Core's and Razor's /etc/passwd have them (tc:x:1001:50, staff). */
export const AUTHORIZED_KEYS_PATH = 'home/tc/.ssh/authorized_keys';
export const TC_OWNER = { uid: 1001, gid: 50 } as const;

/**
 * The words of an authorized_keys line: white space separates them except
 * inside double quotes (the options' values, `from="a,b"`), where `\"` is
 * a quote.
 */
function splitWords(line: string): string[] | undefined {
  const found: string[] = [];
  let word = '';
  let quoting = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i] ?? '';
    if (quoting && c === '\\' && line[i + 1] === '"') {
      word += '\\"';
      i += 1;
    } else if (c === '"') {
      quoting = !quoting;
      word += c;
    } else if (!quoting && (c === ' ' || c === '\t')) {
      if (word !== '') found.push(word);
      word = '';
    } else {
      word += c;
    }
  }
  if (quoting) return undefined;
  if (word !== '') found.push(word);
  return found;
}

/** The key type a public key blob names (its first SSH string), if it is one. */
function blobType(base64: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) return undefined;
  const blob = Buffer.from(base64, 'base64');
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  return blob.toString('latin1', 4, 4 + length);
}

/** What is wrong with one non-comment line, or undefined when it is a public key sshd would take. */
export function keyLineProblem(line: string): string | undefined {
  const words = splitWords(line);
  if (words === undefined) return 'an unterminated " in the options';
  // [options] type base64 [comment]: the options, when present, are one word.
  const at = isKeyType(words[0] ?? '') ? 0 : isKeyType(words[1] ?? '') ? 1 : -1;
  if (at < 0) return `no known key type (${KEY_TYPES.slice(0, 6).join(', ')}, …)`;
  const type = words[at] ?? '';
  const base64 = words[at + 1];
  if (base64 === undefined) return `no key after ${type}`;
  const inBlob = blobType(base64);
  if (inBlob === undefined) return `the key after ${type} is not an SSH public key in base64`;
  if (inBlob !== type) return `the key after ${type} is a ${quoted(inBlob)} key`;
  return undefined;
}

/** The first line of any PEM or OpenSSH private key file. */
const PRIVATE_KEY = /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * Checks an authorized_keys file for tc: every line that is not blank or a
 * `#` comment must be an OpenSSH public key line, and there must be one.
 * The first line that is not is a one-line InputError naming FILE:LINE
 * with the line quoted (escaped); a private key is named as such and never
 * quoted. Returns the text, with a final newline.
 */
export function checkAuthorizedKeys(text: string, file: string): string {
  const lines = text.split('\n');
  let keys = 0;
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `${file}:${index + 1}`;
    if (PRIVATE_KEY.test(line)) {
      throw new InputError(`${where}: a private key, not public keys (give the .pub file, or an authorized_keys file)`);
    }
    const problem = keyLineProblem(line);
    if (problem !== undefined) throw new InputError(`${where}: not an OpenSSH public key: ${problem}: ${quoted(line)}`);
    keys += 1;
  }
  if (keys === 0) throw new InputError(`${file}: no public key in it (one OpenSSH public key a line)`);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * tc's home, `.ssh` (0700) and `authorized_keys` (0600), owned by tc as
 * sshd's StrictModes wants them. A Core that has `home/tc` keeps its own
 * (the merge leaves existing directories as they are).
 */
export function authorizedKeysEntries(text: string, mtime: number): ArchiveEntry[] {
  const dir = (path: string, mode: number): ArchiveEntry => ({ kind: 'dir', path, mode, mtime, ...TC_OWNER });
  return [
    dir('home/tc', 0o755),
    dir('home/tc/.ssh', 0o700),
    { ...bufferEntry(AUTHORIZED_KEYS_PATH, text, 0o600, mtime), ...TC_OWNER },
  ];
}
