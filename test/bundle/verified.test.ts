/**
 * Every input verified: the Core ISO against the md5.txt beside it, the
 * tarballs against their pins, and bundle.json saying how each input was
 * checked; what nothing checked is one warning.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Input } from '../../src/bundle/fetcher.js';
import { DownloadCache } from '../../src/fetch/cache.js';
import { createHttpClient } from '../../src/fetch/http.js';
import { DEBIAN_PREFIX, startWorld, type World } from '../world/index.js';
import { runCli, tarContents, text } from './harness.js';

let dir: string;
let world: World;
let n = 0;
const bundleName = 'razor-microkernel-bundle-prod.tar.gz';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-verified-'));
  world = await startWorld(join(dir, 'world'));
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => world.server.clearFaults());

const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const md5Of = (data: Buffer) => createHash('md5').update(data).digest('hex');
/** What the world serves at `url` (a loopback request). */
const served = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

interface Built {
  readonly code: number;
  readonly stderr: string;
  readonly out: string;
  readonly cache: string;
}

async function build(extra: readonly string[] = [], opts: { cache?: string; lists?: string[] } = {}): Promise<Built> {
  n += 1;
  const out = join(dir, `out-${n}`);
  const cache = opts.cache ?? join(dir, `cache-${n}`);
  const lists = opts.lists ?? ['-b', world.builtinList, '-m', world.mirrorList];
  const run = await runCli([...lists, ...world.flags, '--out', out, '-p', ...extra], { XDG_CACHE_HOME: cache });
  return { code: run.code, stderr: run.stderr, out, cache };
}

async function inputsOf(built: Built): Promise<Map<string, Input>> {
  expect(built.stderr).not.toContain('mkbundle:');
  expect(built.code).toBe(0);
  const manifest = JSON.parse(text(await tarContents(join(built.out, bundleName)), 'bundle.json'));
  return new Map((manifest.inputs as Input[]).map((input) => [input.url, input]));
}

const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('mkbundle:'));
const warningsAbout = (stderr: string) =>
  stderr.split('\n').filter((line) => line.startsWith('warning:') && line.includes('not verified'));

describe('bundle.json says how every input was verified', () => {
  let inputs: Map<string, Input>;
  let built: Built;
  beforeAll(async () => {
    built = await build();
    inputs = await inputsOf(built);
  });

  it('the Core ISO by its md5.txt, extensions by theirs, gems by the compact index, companions as metadata', () => {
    const verified = (url: string) => inputs.get(url)?.verified;
    expect(verified(world.urls.iso)).toBe('md5.txt');
    expect(verified(`${world.urls.iso}.md5.txt`)).toBe('metadata');
    expect(verified(`${world.urls.mirror}/bash.tcz`)).toBe('md5.txt');
    expect(verified(`${world.urls.mirror}/util-linux.tcz`)).toBe('md5.txt');
    for (const file of ['md5.txt', 'info', 'list'])
      expect(verified(`${world.urls.mirror}/fuse.tcz.${file}`)).toBe('metadata');
    expect(verified(`${world.urls.gemSource}/gems/daemons-1.1.9.gem`)).toBe('index-sha256');
    // Live indexes are not inputs: what was picked from them is (the lockfile's rule).
    expect(inputs.has(`${world.urls.gemSource}/info/daemons`)).toBe(false);
    for (const url of [world.urls.rubygems, world.urls.mcollective, world.urls.openVmTools]) {
      expect(verified(url)).toBe('unverified');
    }
    expect(new Set([...inputs.values()].map((i) => i.verified))).toEqual(
      new Set(['md5.txt', 'metadata', 'index-sha256', 'unverified']),
    );
  });

  it('what nothing checked is one warning naming it and the pins that would check it', () => {
    expect(warningsAbout(built.stderr)).toEqual([
      `warning: 3 inputs not verified against any checksum: '${world.urls.mcollective}', '${world.urls.openVmTools}', '${world.urls.rubygems}'; pin with --mcollective-sha256, --open-vm-tools-sha256, --rubygems-sha256`,
    ]);
  });

  it('a second run from the cache, with and without -r, says the same', async () => {
    for (const extra of [[], ['-r']]) {
      const again = await inputsOf(await build(extra, { cache: built.cache }));
      expect([...again.values()].map((i) => [i.url, i.verified])).toEqual(
        [...inputs.values()].map((i) => [i.url, i.verified]),
      );
    }
  });
});

describe('the Core ISO and its md5.txt', () => {
  it('the md5.txt is asked for alongside the ISO, not before it', async () => {
    const delayMs = 3000;
    world.server.fault(world.tinycore.isoMd5Path, { kind: 'slow', delayMs, times: 1 });
    world.server.resetLog();
    const started = Date.now();
    const running = build();
    const asked = (path: string) => world.server.requests.some((r) => r.path === path);
    while (!asked(world.tinycore.isoPath) && Date.now() - started < delayMs)
      await new Promise((r) => setTimeout(r, 10));
    // Asked for while its md5.txt was still unanswered.
    expect(asked(world.tinycore.isoMd5Path)).toBe(true);
    expect(Date.now() - started).toBeLessThan(delayMs);
    expect((await running).code).toBe(0);
  });

  it('a mismatch is exit 4 naming the ISO and both hashes, and the cache has not stored the ISO', async () => {
    const iso = await served(world.urls.iso);
    world.server.setRoute(world.tinycore.isoMd5Path, Buffer.from(`${'0'.repeat(32)}  Core-current.iso\n`));
    try {
      const built = await build();
      expect(built.code).toBe(4);
      expect(errorLines(built.stderr)).toEqual([
        `mkbundle: ${world.urls.iso}: md5 expected ${'0'.repeat(32)}, got ${md5Of(iso)}`,
      ]);
      expect(existsSync(join(built.out, bundleName))).toBe(false);
      const cacheDir = join(built.cache, 'mkbundle');
      expect(existsSync(join(cacheDir, 'blobs', 'sha256', sha256Of(iso)))).toBe(false);
      const cache = new DownloadCache({ dir: cacheDir, client: createHttpClient({ version: 'test' }) });
      expect(await cache.lookup(world.urls.iso)).toBeUndefined();
    } finally {
      world.server.setRoute(world.tinycore.isoMd5Path, Buffer.from(`${md5Of(iso)}  Core-current.iso\n`));
    }
  });

  it('a cached ISO the md5.txt no longer matches is fetched again and refused', async () => {
    const first = await build();
    expect(first.code).toBe(0);
    const iso = await served(world.urls.iso);
    world.server.setRoute(world.tinycore.isoMd5Path, Buffer.from(`${'1'.repeat(32)}  Core-current.iso\n`));
    try {
      const again = await build([], { cache: first.cache });
      expect(again.code).toBe(4);
      expect(errorLines(again.stderr)).toEqual([
        `mkbundle: ${world.urls.iso}: md5 expected ${'1'.repeat(32)}, got ${md5Of(iso)}`,
      ]);
    } finally {
      world.server.setRoute(world.tinycore.isoMd5Path, Buffer.from(`${md5Of(iso)}  Core-current.iso\n`));
    }
  });

  it('an md5.txt that is not one stops the run with exit 4 naming it', async () => {
    const good = await served(`${world.urls.iso}.md5.txt`);
    world.server.setRoute(world.tinycore.isoMd5Path, Buffer.from('<html>moved</html>\n'));
    try {
      const built = await build();
      expect(built.code).toBe(4);
      expect(errorLines(built.stderr)).toEqual([
        `mkbundle: ${world.urls.iso}.md5.txt: not an md5sum line: '<html>moved</html>'`,
      ]);
    } finally {
      world.server.setRoute(world.tinycore.isoMd5Path, good);
    }
  });
});

describe('pins', () => {
  it('matching ones make the tarballs and the ISO pinned, and leave nothing to warn about', async () => {
    const pins = [
      ['--iso-sha256', world.urls.iso],
      ['--rubygems-sha256', world.urls.rubygems],
      ['--mcollective-sha256', world.urls.mcollective],
      ['--open-vm-tools-sha256', world.urls.openVmTools],
    ] as const;
    const flags: string[] = [];
    for (const [flag, url] of pins) flags.push(flag, sha256Of(await served(url)).toUpperCase());
    const built = await build(flags);
    const inputs = await inputsOf(built);
    for (const [, url] of pins) expect(inputs.get(url)?.verified).toBe('pinned');
    expect(warningsAbout(built.stderr)).toEqual([]);
  });

  it('a pin from the environment that does not match is exit 4 naming the URL and both hashes', async () => {
    const actual = sha256Of(await served(world.urls.openVmTools));
    n += 1;
    const run = await runCli(
      ['-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', join(dir, `out-${n}`), '-p'],
      { XDG_CACHE_HOME: join(dir, `cache-${n}`), MK_BUNDLE_OPEN_VM_TOOLS_SHA256: 'f'.repeat(64) },
    );
    expect(run.code).toBe(4);
    expect(errorLines(run.stderr)).toEqual([
      `mkbundle: ${world.urls.openVmTools}: sha256 expected ${'f'.repeat(64)}, got ${actual}`,
    ]);
  });

  it('a pin that is not 64 hex digits is a usage error naming the flag, before any request', async () => {
    world.server.resetLog();
    const built = await build(['--iso-sha256', 'abc123']);
    expect(built.code).toBe(1);
    expect(errorLines(built.stderr)).toEqual([
      "mkbundle: error: --iso-sha256: expected a SHA-256 (64 hex digits), got 'abc123'",
    ]);
    expect(world.server.requests).toEqual([]);
  });

  it('--dry-run shows each pin and where it came from', async () => {
    const pin = 'a'.repeat(64);
    n += 1;
    const run = await runCli(
      ['-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '-p', '--rubygems-sha256', pin, '--dry-run'],
      { XDG_CACHE_HOME: join(dir, `cache-${n}`), MK_BUNDLE_TCL_ISO_SHA256: 'B'.repeat(64) },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`RubyGems sha256 +${pin} \\[command line\\]`));
    expect(run.stdout).toMatch(new RegExp(`Core ISO sha256 +${'b'.repeat(64)} \\[environment\\]`));
    expect(run.stdout).toMatch(/open-vm-tools sha256 +none \[default\]/);
    expect(run.stdout).toContain(`${world.urls.iso}.md5.txt → checks Core-current.iso`);
  });
});

describe('.deb files', () => {
  it('by the Packages index: index-sha256, or index-md5 from an index with only MD5sum', async () => {
    const list = join(dir, 'deb.lst');
    await writeFile(list, 'bash.tcz\nlshw.deb\n');
    const lists = ['-b', list, '-m', world.mirrorList];
    const lshw = world.debian.debs.get('lshw');
    if (lshw === undefined) throw new Error('the world has no lshw.deb');
    const debUrl = `${world.urls.debMirror}/${lshw.filename}`;
    expect((await inputsOf(await build([], { lists }))).get(debUrl)?.verified).toBe('index-sha256');

    const packages = gunzipSync(await served(world.urls.dpkgList)).toString();
    const md5Only = `${DEBIAN_PREFIX}/md5-only/Packages.gz`;
    world.server.setRoute(md5Only, gzipSync(packages.replace(/^SHA256: .*\n/gm, '')));
    const flags = [...world.flags];
    flags[flags.indexOf('--dpkg-list') + 1] = `${world.server.url}${md5Only}`;
    n += 1;
    const run = await runCli([...lists, ...flags, '--out', join(dir, `out-${n}`), '-p'], {
      XDG_CACHE_HOME: join(dir, `cache-${n}`),
    });
    const inputs = await inputsOf({ code: run.code, stderr: run.stderr, out: join(dir, `out-${n}`), cache: '' });
    expect(inputs.get(debUrl)?.verified).toBe('index-md5');
    expect(inputs.has(`${world.server.url}${md5Only}`)).toBe(false);
  });
});

describe('a mirror that publishes no md5.txt for the Core ISO', () => {
  let bare: World;
  beforeAll(async () => {
    bare = await startWorld(join(dir, 'bare'), { isoMd5: false });
  });
  afterAll(() => bare.close());

  it('builds, with the ISO unverified and named in the one warning', async () => {
    const out = join(dir, 'bare-out');
    const pins: string[] = [];
    for (const [flag, url] of [
      ['--rubygems-sha256', bare.urls.rubygems],
      ['--mcollective-sha256', bare.urls.mcollective],
      ['--open-vm-tools-sha256', bare.urls.openVmTools],
    ] as const) {
      pins.push(flag, sha256Of(await served(url)));
    }
    const run = await runCli(
      ['-b', bare.builtinList, '-m', bare.mirrorList, ...bare.flags, '--out', out, '-p', ...pins],
      { XDG_CACHE_HOME: join(dir, 'bare-cache') },
    );
    const inputs = await inputsOf({ code: run.code, stderr: run.stderr, out, cache: '' });
    expect(inputs.get(bare.urls.iso)?.verified).toBe('unverified');
    expect(inputs.has(`${bare.urls.iso}.md5.txt`)).toBe(false);
    expect(bare.server.requests.filter((r) => r.path === bare.tinycore.isoMd5Path).map((r) => r.status)).toEqual([404]);
    expect(warningsAbout(run.stderr)).toEqual([
      `warning: 1 input not verified against any checksum: '${bare.urls.iso}'; pin with --iso-sha256`,
    ]);
  });
});
