import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findPackage,
  type PackageStanza,
  type PackagesIndex,
  parsePackages,
  readPackagesIndex,
} from '../../src/deb/packages-index.js';
import { ArchiveError, InputError } from '../../src/errors.js';
import { run } from '../squashfs/helpers/run.js';
import { Apt } from '../world/bootable/apt.js';
import { fetchDeb } from '../world/bootable/debs.js';
import { DEFAULT_CACHE_DIR } from '../world/bootable/paths.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-packages-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
const token = fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{1,20}$/);

const stanzaArb: fc.Arbitrary<PackageStanza> = fc
  .record(
    {
      package: token,
      version: fc.stringMatching(/^[0-9][A-Za-z0-9.+~:-]{0,15}$/),
      filename: fc.array(
        fc.stringMatching(/^[A-Za-z0-9._+~-]{1,12}$/).filter((s) => s !== '.' && s !== '..'),
        {
          minLength: 1,
          maxLength: 5,
        },
      ),
      size: fc.nat(),
      sha256: hex(64),
      md5: hex(32),
      architecture: fc.constantFrom('amd64', 'all', 'i386'),
    },
    { requiredKeys: ['package', 'version', 'filename', 'size'] },
  )
  .map(({ filename, ...rest }) => ({ ...rest, filename: filename.join('/') }));

interface Spelling {
  order: number[];
  upper: boolean[];
  space: string;
  trailing: string;
  eol: string;
  separator: string;
  description: string[];
  upperHex: boolean;
}

/** How a stanza is spelled: field order and case, spacing, extra fields, continuation lines, line ends. */
const spellingArb: fc.Arbitrary<Spelling> = fc.record({
  order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
  upper: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  space: fc.constantFrom(' ', '  ', '\t', ''),
  trailing: fc.constantFrom('', ' ', '\t'),
  eol: fc.constantFrom('\n', '\r\n'),
  separator: fc.constantFrom('', ' ', '\t \t', '\n'),
  description: fc.array(fc.stringMatching(/^[ -~]{0,30}$/), { maxLength: 4 }),
  upperHex: fc.boolean(),
});

function spell(stanza: PackageStanza, how: Spelling): string {
  const hexCase = (value: string) => (how.upperHex ? value.toUpperCase() : value);
  const fields: [string, string][] = [
    ['Package', stanza.package],
    ['Version', stanza.version],
    ['Filename', stanza.filename],
    ['Size', String(stanza.size)],
    ['Depends', 'libc6 (>= 2.34), libgcc-s1'],
    ['Description', `one line${how.description.map((line) => `\n ${line.trim() === '' ? '.' : line}`).join('')}`],
  ];
  if (stanza.sha256 !== undefined) fields.push(['SHA256', hexCase(stanza.sha256)]);
  if (stanza.md5 !== undefined) fields.push(['MD5sum', hexCase(stanza.md5)]);
  if (stanza.architecture !== undefined) fields.push(['Architecture', stanza.architecture]);
  const ordered = fields
    .map((field, i) => ({ field, key: how.order[i] ?? 0 }))
    .sort((a, b) => a.key - b.key)
    .map(({ field: [name, value] }, i) => {
      const shown = how.upper[i] ? name.toUpperCase() : name.toLowerCase();
      return `${shown}:${how.space}${value}${how.trailing}`;
    });
  return `${ordered.join('\n').replaceAll('\n', how.eol)}${how.eol}`;
}

describe('parsePackages', () => {
  it('reads back any stanzas, however they are spelled (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(stanzaArb, spellingArb), { maxLength: 8 }), (list) => {
        const text = list.map(([stanza, how]) => spell(stanza, how) + how.separator + how.eol).join('');
        expect(parsePackages(text, 'Packages')).toEqual(list.map(([stanza]) => stanza));
      }),
      { numRuns: 300 },
    );
  });

  it('either parses or throws a one-line InputError, for any text (property)', () => {
    const lineArb = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('Package: a', 'Filename: x', 'Size: 1', 'Version: 1', ' cont', '', 'Size: -1'),
    );
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 30 }), (lines) => {
        try {
          parsePackages(lines.join('\n'), 'Packages');
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
          expect((error as Error).message).not.toContain('\n');
        }
      }),
      { numRuns: 500 },
    );
  });

  const minimal = 'Package: a\nVersion: 1\nFilename: pool/a.deb\nSize: 3\n';
  it.each([
    [' orphan\n', 'Packages: line 1: continuation line without a field'],
    ['Package: a\nVersion: 1\nSize: 3\n', 'Packages: line 4: stanza at line 1 has no Filename field'],
    [`${minimal}Size: 4\n`, "line 5: field 'Size' appears twice in one stanza"],
    [minimal.replace('Size: 3', 'Size: 3k'), "package 'a': bad Size '3k'"],
    [
      minimal.replace('pool/a.deb', '../../etc/passwd'),
      "package 'a': Filename '../../etc/passwd' is not a relative path",
    ],
    [minimal.replace('pool/a.deb', '/pool/a.deb'), "Filename '/pool/a.deb' is not a relative path"],
    [`${minimal}SHA256: abc\n`, "package 'a': bad SHA256 'abc'"],
    [`${minimal}MD5sum: zz\n`, "package 'a': bad MD5sum 'zz'"],
    ['just some words\n', "Packages: line 1: not a 'Field: value' line: 'just some words'"],
  ])('refuses %j', (text, message) => {
    expect(() => parsePackages(text, 'Packages')).toThrow(InputError);
    expect(() => parsePackages(text, 'Packages')).toThrow(message);
  });
});

/** apt's binary cache where the Apt helper keeps it: apt-cache then answers in milliseconds. */
const PKGCACHE = ['-o', `Dir::Cache::pkgcache=${join(DEFAULT_CACHE_DIR, 'apt', 'pkgcache.bin')}`];

/**
 * This machine's real Debian package indexes, as apt downloaded them, decompressed by apt's own
 * helper; and a subset of the first for compressed copies (the first 2000 stanzas and the two
 * packages the tests look up).
 */
async function aptIndexes(): Promise<{ lists: string[]; subset: string }> {
  // Makes sure the lists exist (apt-get update on a fresh machine).
  await new Apt(DEFAULT_CACHE_DIR).candidateVersion('lshw');
  const listDir = '/var/lib/apt/lists';
  const names = (await readdir(listDir)).filter((f) => /_binary-[^_]+_Packages(\.[a-z0-9]+)?$/.test(f)).sort();
  const lists: string[] = [];
  for (const name of names) {
    const plain = join(dir, name.replace(/\.[a-z0-9]+$/, ''));
    await run('sh', ['-c', '/usr/lib/apt/apt-helper cat-file "$0" > "$1"', join(listDir, name), plain]);
    lists.push(plain);
  }
  const subset = join(dir, 'Packages.subset');
  await run('sh', [
    '-c',
    'in=$0 out=$1; shift; awk -v RS= -v ORS="\\n\\n" "NR <= 2000" "$in" > "$out" && apt-cache "$@" show lshw debianutils >> "$out"',
    lists.find((f) => !/updates|security/.test(f)) ?? (lists[0] as string),
    subset,
    ...PKGCACHE,
  ]);
  return { lists, subset };
}

/** A field of `apt-cache show` for one version, read without our parser. */
async function aptShow(pkg: string, version: string): Promise<Record<string, string>> {
  const records = (await run('apt-cache', [...PKGCACHE, 'show', pkg])).split(/\n\n+/);
  const record = records.find((r) => r.includes(`\nVersion: ${version}\n`));
  if (record === undefined) throw new Error(`apt-cache show ${pkg} has no version ${version}`);
  return Object.fromEntries([...record.matchAll(/^([A-Za-z0-9-]+): (.*)$/gm)].map((m) => [m[1], m[2]]));
}

describe('readPackagesIndex with apt as the peer', () => {
  let files: { lists: string[]; subset: string };

  beforeAll(async () => {
    files = await aptIndexes();
    expect(files.lists.length).toBeGreaterThan(0);
  });

  it('reads every package of each index apt has, and finds versions apt knows in them', async () => {
    const indexes: PackagesIndex[] = [];
    for (const list of files.lists) {
      const index = await readPackagesIndex(list, `http://127.0.0.1/${basename(list)}`);
      const names = await run('sh', ['-c', 'grep "^Package: " "$0" | sort -u | wc -l', list]);
      expect(index.packages.size, list).toBe(Number(names.trim()));
      indexes.push(index);
    }
    for (const pkg of ['lshw', 'debianutils', 'busybox-static']) {
      const found = findPackage(indexes, pkg);
      // Which index comes first depends on this machine's sources; the version must be one apt offers.
      const offered = (await run('apt-cache', [...PKGCACHE, 'madison', pkg]))
        .split('\n')
        .map((l) => l.split('|')[1]?.trim());
      expect(offered, pkg).toContain(found.stanza.version);
      expect(found.stanza.filename, pkg).toMatch(new RegExp(`/${pkg}_[^/]+\\.deb$`));
    }
  });

  it.each([
    ['plain', (text: Buffer) => Promise.resolve(text), 'Packages'],
    ['gzip', (text: Buffer) => Promise.resolve(gzipSync(text)), 'Packages.gz'],
    [
      'xz',
      (_text: Buffer) =>
        run('sh', ['-c', 'xz -c "$0" > "$0.xz"', files.subset]).then(() => readFile(`${files.subset}.xz`)),
      'Packages.xz',
    ],
  ])('finds lshw and debianutils in a %s index as apt shows them', async (_kind, encode, name) => {
    const path = join(dir, `idx-${name}`);
    await writeFile(path, await encode(await readFile(files.subset)));
    const index = await readPackagesIndex(path, `http://127.0.0.1/dists/bookworm/main/binary-amd64/${name}`);
    for (const pkg of ['lshw', 'debianutils']) {
      const { stanza } = findPackage([index], pkg);
      const shown = await aptShow(pkg, stanza.version);
      expect(stanza).toEqual({
        package: pkg,
        version: shown.Version,
        filename: shown.Filename,
        size: Number(shown.Size),
        sha256: shown.SHA256,
        md5: shown.MD5sum,
        architecture: shown.Architecture,
      });
    }
  });

  it('states the size and sha256 of the .deb that apt-get download fetches', async () => {
    const index = await readPackagesIndex(files.subset, 'Packages');
    const { stanza } = findPackage([index], 'lshw');
    const { deb } = await fetchDeb('lshw', DEFAULT_CACHE_DIR);
    const bytes = await readFile(deb);
    expect(bytes.length).toBe(stanza.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(stanza.sha256);
  });
});

describe('findPackage', () => {
  const index = (url: string, text: string): PackagesIndex => ({
    url,
    packages: new Map(parsePackages(text, url).map((s) => [s.package, s])),
  });
  const a = index('http://127.0.0.1/a/Packages.gz', 'Package: lshw\nVersion: 1\nFilename: a/lshw.deb\nSize: 1\n');
  const b = index(
    'http://127.0.0.1/b/Packages.xz',
    'Package: lshw\nVersion: 2\nFilename: b/lshw.deb\nSize: 2\n\nPackage: jq\nVersion: 3\nFilename: b/jq.deb\nSize: 3\n',
  );

  it('takes the first index that has the package', () => {
    expect(findPackage([a, b], 'lshw')).toEqual({ stanza: a.packages.get('lshw'), index: a });
    expect(findPackage([b, a], 'lshw').stanza.version).toBe('2');
    expect(findPackage([a, b], 'jq').index).toBe(b);
  });

  it('names the package and every index when none has it', () => {
    expect(() => findPackage([a, b], 'nosuch')).toThrow(InputError);
    expect(() => findPackage([a, b], 'nosuch')).toThrow(
      "Debian package 'nosuch' is in none of the package indexes (http://127.0.0.1/a/Packages.gz, http://127.0.0.1/b/Packages.xz)",
    );
    expect(() => findPackage([], 'nosuch')).toThrow('(no index was given)');
  });

  it('keeps the first stanza of a package listed twice in one index', async () => {
    const path = join(dir, 'twice');
    await writeFile(
      path,
      'Package: x\nVersion: 1\nFilename: x1.deb\nSize: 1\n\nPackage: x\nVersion: 2\nFilename: x2.deb\nSize: 2\n',
    );
    expect(findPackage([await readPackagesIndex(path, 'twice')], 'x').stanza.version).toBe('1');
  });
});

describe('readPackagesIndex refuses what it cannot read', () => {
  const text = Buffer.from('Package: x\nVersion: 1\nFilename: x.deb\nSize: 1\n');

  it.each([
    ['plain text named .xz', 'Packages.xz', text, ArchiveError, 'u/Packages.xz: not xz data'],
    ['plain text named .gz', 'Packages.gz', text, ArchiveError, 'u/Packages.gz: not gzip data'],
    [
      'cut gzip',
      'Packages.gz',
      gzipSync(text).subarray(0, 20),
      ArchiveError,
      'u/Packages.gz: cannot read package index: unexpected end of file',
    ],
    [
      'a malformed line',
      'Packages',
      Buffer.from('Package x\n'),
      InputError,
      "u/Packages: line 1: not a 'Field: value' line",
    ],
  ])('%s', async (_name, file, bytes, Class, message) => {
    const path = join(dir, `bad-${file}`);
    await writeFile(path, bytes);
    const error = await readPackagesIndex(path, `u/${file}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Class);
    expect((error as Error).message).toContain(message);
  });

  it('names a truncated xz index', async () => {
    const path = join(dir, 'cut.xz');
    await writeFile(join(dir, 'cut'), text);
    await run('xz', ['-k', join(dir, 'cut')]);
    const whole = await readFile(path);
    await writeFile(path, whole.subarray(0, whole.length - 10));
    await expect(readPackagesIndex(path, 'u/cut.xz')).rejects.toThrow('u/cut.xz: truncated xz data');
  });

  it('names a missing file', async () => {
    const error = await readPackagesIndex(join(dir, 'nope'), 'u/nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^u\/nope: cannot read package index: ENOENT/);
  });
});
