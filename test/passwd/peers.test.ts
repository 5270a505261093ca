import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { md5Crypt } from '../../src/passwd/md5-crypt.js';
import { sha512Crypt } from '../../src/passwd/sha512-crypt.js';
import { password, salt } from './arbitraries.js';

// Each openssl run is a process spawn, so keep the run count small.
const RUNS = 50;
const EDGE_PASSWORDS = [
  '',
  ' ',
  '-x',
  'héllo wörld',
  '日本語のパスワード',
  '😀👍🏽',
  'a'.repeat(200),
  'tab\tnew\nline',
];

/** Rounds as the spec writes them; undefined means the implicit default. */
const rounds = fc.option(fc.integer({ min: 1000, max: 3000 }), { nil: undefined });

function openssl(scheme: '-6' | '-1', setting: string, pw: string): string {
  // `--` keeps passwords that start with '-' from being read as options.
  return execFileSync('openssl', ['passwd', scheme, '-salt', setting, '--', pw], { encoding: 'utf8' }).trimEnd();
}

describe('cross-check with openssl passwd', () => {
  it('agrees on SHA-512 crypt', () => {
    // openssl 3's SHA-crypt prints <NULL> for an empty salt or password, so both are non-empty here;
    // the empty password is checked against Python and pinned in sha512-crypt.test.ts.
    const nonEmpty = password.filter((pw) => pw !== '');
    const edges = EDGE_PASSWORDS.filter((pw) => pw !== '').map((pw): [string, string, undefined] => [
      pw,
      'edge',
      undefined,
    ]);
    fc.assert(
      fc.property(nonEmpty, salt(1, 20), rounds, (pw, s, r) => {
        const setting = r === undefined ? s : `rounds=${r}$${s}`;
        expect(sha512Crypt(pw, s, r)).toBe(openssl('-6', setting, pw));
      }),
      { numRuns: RUNS, examples: edges },
    );
  });

  it('agrees that too-low rounds clamp to 1000', () => {
    expect(sha512Crypt('pw', 'low', 10)).toBe(openssl('-6', 'rounds=10$low', 'pw'));
  });

  it('agrees on MD5 crypt', () => {
    fc.assert(
      fc.property(password, salt(0, 12), (pw, s) => {
        expect(md5Crypt(pw, s)).toBe(openssl('-1', s, pw));
      }),
      { numRuns: RUNS, examples: EDGE_PASSWORDS.map((pw) => [pw, 'edgeSalt']) },
    );
  });
});

/** Debian's python3 (3.11 still has the crypt module); scripts/setup installs it. */
const PYTHON = '/usr/bin/python3';

interface PeerCase {
  readonly password: string;
  readonly setting: string;
  readonly ours: string;
}

describe("cross-check with Python's crypt module", () => {
  it('agrees on SHA-512 and MD5 crypt', () => {
    // libxcrypt rejects rounds below 1000 instead of clamping, so those are not compared here.
    const sha = fc
      .sample(fc.tuple(password, salt(0, 20), rounds), { numRuns: RUNS })
      .concat(EDGE_PASSWORDS.map((pw) => [pw, '', undefined]))
      .map(([pw, s, r]): PeerCase => {
        const setting = r === undefined ? `$6$${s}` : `$6$rounds=${r}$${s}`;
        return { password: pw, setting, ours: sha512Crypt(pw, s, r) };
      });
    const md5 = fc
      .sample(fc.tuple(password, salt(0, 12)), { numRuns: RUNS })
      .concat(EDGE_PASSWORDS.map((pw) => [pw, '']))
      .map(([pw, s]): PeerCase => ({ password: pw, setting: `$1$${s}`, ours: md5Crypt(pw, s) }));
    const cases = [...sha, ...md5];

    const script = 'import crypt, json, sys\nprint(json.dumps([crypt.crypt(p, s) for p, s in json.load(sys.stdin)]))';
    const theirs: unknown = JSON.parse(
      execFileSync(PYTHON, ['-W', 'ignore', '-c', script], {
        input: JSON.stringify(cases.map((c) => [c.password, c.setting])),
        encoding: 'utf8',
      }),
    );
    expect(theirs).toEqual(cases.map((c) => c.ours));
  });
});
