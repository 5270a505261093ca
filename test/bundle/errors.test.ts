import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEBIAN_PREFIX, startWorld, type World } from '../world/index.js';
import { TARBALL_PATHS } from '../world/tarballs.js';
import { runCli, sha256 } from './harness.js';

let dir: string;
let world: World;
let out: string;
const bundleName = 'razor-microkernel-bundle-prod.tar.gz';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-errors-'));
  world = await startWorld(join(dir, 'world'));
  out = join(dir, 'out');
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => world.server.clearFaults());

const lists = () => ['-b', world.builtinList, '-m', world.mirrorList];
/** A fresh cache each time, so faults are met by real downloads. */
const build = async (extra: readonly string[] = [], flags: readonly string[] = world.flags) =>
  runCli([...lists(), ...flags, '--out', out, '-p', ...extra], {
    XDG_CACHE_HOME: await mkdtemp(join(dir, 'cache-')),
  });

function oneErrorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('mkbundle:'));
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
}

describe('command line mistakes: one error line, where the help is, exit 1', () => {
  const cases: [string, string[], RegExp][] = [
    ['no lists', [], /'builtin-list' and 'mirror-list' must both be specified/],
    ['-p with -d', ['-p', '-d'], /only one of the '-p' and '-d' flags/],
    ['-t with -p', ['-p', '-t', 'pw'], /'-t' option may not be used/],
    ['an unknown option', ['--frobnicate'], /unknown option '--frobnicate'$/],
    ['a stray argument', ['extra'], /unexpected argument 'extra'$/],
    ['-b without a value', ['-m', 'x', '-b'], /option '--builtin-list' needs a value$/],
    [
      'a size limit in decimal units',
      ['--max-payload-size', '2GB'],
      /--max-payload-size: expected a size like 512K, 16M or 2G \(at least 1 byte\), got '2GB'$/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const needsLists = !['no lists', '-b without a value'].includes(what);
      const run = await runCli([...(needsLists ? lists() : []), ...args]);
      expect(run.code).toBe(1);
      expect(oneErrorLine(run.stderr)).toMatch(message);
      expect(run.stderr).toMatch(/^mkbundle: error: [^\n]*\nsee 'mkbundle bundle --help'\n$/);
    });
  }

  it('an unreadable list', async () => {
    const run = await runCli(['-b', join(dir, 'missing.lst'), '-m', world.mirrorList]);
    expect(run.code).toBe(1);
    expect(oneErrorLine(run.stderr)).toContain(
      `the 'builtin-list' value must be a readable file: '${join(dir, 'missing.lst')}' is missing or unreadable`,
    );
  });

  it('an unreadable or bad config file', async () => {
    const missing = await runCli(['-c', join(dir, 'nope.cfg')]);
    expect(missing.code).toBe(1);
    expect(oneErrorLine(missing.stderr)).toContain('nope.cfg');
    const cfg = join(dir, 'bad.cfg');
    await writeFile(cfg, 'MK_BUNDLE_TYPE=prod\nno setting here\n');
    const bad = await runCli(['-c', cfg, ...lists()]);
    expect(bad.code).toBe(2);
    expect(oneErrorLine(bad.stderr)).toBe(`mkbundle: ${cfg}:2: expected KEY=VALUE, got 'no setting here'`);
  });

  it('an unknown config key is a warning naming the file and line; the file beats the environment', async () => {
    const cfg = join(dir, 'unknown.cfg');
    await writeFile(cfg, 'MK_BUNDLE_TYPE=prod\nMK_BUNDLE_NONSENSE=1\nMK_BUNDLE_TC_PASSWD=secret\n');
    const run = await runCli(['-c', cfg, ...lists(), ...world.flags, '--dry-run'], { MK_BUNDLE_TYPE: 'debug' });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`warning: ${cfg}:2: unknown key MK_BUNDLE_NONSENSE, ignored\n`);
    expect(run.stderr).toContain(`warning: ${cfg}:3: MK_BUNDLE_TC_PASSWD is ignored for a production image`);
    expect(run.stderr + run.stdout).not.toContain('secret');
    expect(run.stdout).toMatch(new RegExp(`^ {2}flavour +prod \\[config file ${cfg}:1\\]$`, 'm'));
  });

  it('-h prints the help and exits 0', async () => {
    const run = await runCli(['-h']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('-r, --reuse-prev-dl');
    expect(run.stdout).toContain('-t, --tc-passwd');
  });
});

describe('failures while building keep earlier outputs', () => {
  let good: string;
  beforeAll(async () => {
    const run = await build();
    expect(run.code).toBe(0);
    good = await sha256(join(out, bundleName));
  });

  async function expectIntact(): Promise<void> {
    expect(await sha256(join(out, bundleName))).toBe(good);
    expect((await readdir(out)).sort()).toEqual(['SHA256SUMS', bundleName]);
    expect(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out }).status).toBe(0);
  }

  it('a 404 for an extension names the URL', async () => {
    world.server.fault(`${world.tinycore.tczPath}/ruby.tcz`, { kind: 'status', status: 404 });
    const run = await build();
    expect(run.code).toBe(3);
    expect(oneErrorLine(run.stderr)).toBe(`mkbundle: GET ${world.urls.mirror}/ruby.tcz: 404 Not Found`);
    await expectIntact();
  });

  it('a missing .md5.txt is an error, a missing .dep is not', async () => {
    world.server.fault(`${world.tinycore.tczPath}/bash.tcz.md5.txt`, { kind: 'status', status: 404 });
    const run = await build();
    expect(run.code).toBe(3);
    expect(oneErrorLine(run.stderr)).toContain(`${world.urls.mirror}/bash.tcz.md5.txt: 404 Not Found`);
    await expectIntact();
  });

  it('a checksum mismatch names both sums', async () => {
    world.server.fault(`${world.tinycore.tczPath}/lshw.tcz`, { kind: 'corrupt' });
    const run = await build();
    expect(run.code).toBe(4);
    const line = oneErrorLine(run.stderr);
    expect(line).toContain(`${world.urls.mirror}/lshw.tcz`);
    expect(line).toMatch(/md5 expected [0-9a-f]{32}, got [0-9a-f]{32}/);
    await expectIntact();
  });

  it('a gem whose SHA-256 does not match the index', async () => {
    world.server.fault('/rubygems-org/gems/daemons-1.1.9.gem', { kind: 'corrupt' });
    const run = await build();
    expect(run.code).toBe(4);
    expect(oneErrorLine(run.stderr)).toMatch(/daemons-1\.1\.9\.gem: .*sha256 expected [0-9a-f]{64}, got [0-9a-f]{64}/);
    await expectIntact();
  });

  it('a truncated download', async () => {
    world.server.fault(world.tinycore.isoPath, { kind: 'truncate', bytes: 1000 });
    const run = await build();
    expect(run.code).toBe(3);
    expect(oneErrorLine(run.stderr)).toMatch(new RegExp(`${world.urls.iso}: truncated \\(got 1000 of \\d+ bytes\\)`));
    await expectIntact();
  });

  it('a server error that goes away is retried', async () => {
    world.server.fault(`${world.tinycore.tczPath}/gcc_libs.tcz`, { kind: 'status', status: 503, times: 2 });
    const run = await build();
    expect(run.code).toBe(0);
    good = await sha256(join(out, bundleName));
  });

  for (const kind of ['dotdot', 'absolute', 'symlink-write'] as const) {
    it(`a hostile MCollective tarball (${kind})`, async () => {
      const flags = world.flags.map((f) =>
        f === world.urls.mcollective ? `${world.server.url}${TARBALL_PATHS.hostile(kind)}` : f,
      );
      const run = await build([], flags);
      expect(run.code).toBe(5);
      expect(oneErrorLine(run.stderr)).toMatch(/mcollective-2\.0\.0\.tgz: .*(escape|absolute|symlink|\.\.)/);
      await expectIntact();
    });
  }

  describe('downloads over their size limit: one line, exit 3, asked once, nothing cached', () => {
    const MiB = 1024 * 1024;
    const tcz = (file: string) => `${world.tinycore.tczPath}/${file}`;
    const limitLine = (url: string, size: string, what: string, flag: string, announced = '') =>
      `mkbundle: GET ${url}: ${announced}larger than the ${size} limit for ${what} (raise it with ${flag})`;

    /** A build on a fresh cache; afterwards the cache has no entry, temp file or blob over `limit` for `path`. */
    async function overLimit(path: string, limit: number, extra: readonly string[] = []) {
      const cacheHome = await mkdtemp(join(dir, 'cache-'));
      world.server.resetLog();
      const run = await runCli([...lists(), ...world.flags, '--out', out, '-p', ...extra], {
        XDG_CACHE_HOME: cacheHome,
      });
      expect(run.code).toBe(3);
      expect(world.server.count((r) => r.path === path)).toBe(1);
      const cache = join(cacheHome, 'mkbundle');
      const indexName = `${createHash('sha256').update(`${world.server.url}${path}`).digest('hex')}.json`;
      expect(await readdir(join(cache, 'index'))).not.toContain(indexName);
      expect(await readdir(join(cache, 'tmp'))).toEqual([]);
      for (const blob of await readdir(join(cache, 'blobs', 'sha256'))) {
        expect((await stat(join(cache, 'blobs', 'sha256', blob))).size).toBeLessThanOrEqual(limit);
      }
      await expectIntact();
      return oneErrorLine(run.stderr);
    }

    it('a 600 MB .md5.txt fails on its Content-Length, before the body', async () => {
      world.server.fault(tcz('bash.tcz.md5.txt'), { kind: 'oversize', bytes: 600 * MiB });
      expect(await overLimit(tcz('bash.tcz.md5.txt'), 16 * MiB)).toBe(
        limitLine(
          `${world.urls.mirror}/bash.tcz.md5.txt`,
          '16 MiB',
          'metadata files',
          '--max-metadata-size',
          'announced 600 MiB, ',
        ),
      );
    });

    it('a 600 MB .dep without Content-Length stops at the limit', async () => {
      world.server.fault(tcz('lshw.tcz.dep'), { kind: 'oversize', bytes: 600 * MiB, chunked: true });
      expect(await overLimit(tcz('lshw.tcz.dep'), 16 * MiB)).toBe(
        limitLine(`${world.urls.mirror}/lshw.tcz.dep`, '16 MiB', 'metadata files', '--max-metadata-size'),
      );
    });

    it('a .tcz without Content-Length stops at the payload limit, before any md5 check', async () => {
      // The world's largest payload, the Core ISO, stays under the limit set here.
      expect((await stat(world.coreIso)).size).toBeLessThan(4 * MiB);
      world.server.fault(tcz('lshw.tcz'), { kind: 'oversize', bytes: 600 * MiB, chunked: true });
      expect(await overLimit(tcz('lshw.tcz'), 4 * MiB, ['--max-payload-size', '4M'])).toBe(
        limitLine(`${world.urls.mirror}/lshw.tcz`, '4 MiB', 'packages and images', '--max-payload-size'),
      );
    });

    it('a cached entry over the limit (stored under a higher one) is not read: -r asks again', async () => {
      const cacheHome = await mkdtemp(join(dir, 'cache-'));
      const path = tcz('lshw.tcz.dep');
      const dep = world.tinycore.extensions.get('lshw.tcz')?.dep ?? '';
      // Whole copies of the real .dep, so it still names real extensions.
      const bytes = dep.length * Math.ceil((2 * MiB) / dep.length);
      const again = async (extra: readonly string[], env: NodeJS.ProcessEnv = {}) => {
        world.server.resetLog();
        const run = await runCli([...lists(), ...world.flags, '--out', join(dir, 'limit-out'), '-p', ...extra], {
          XDG_CACHE_HOME: cacheHome,
          ...env,
        });
        return { run, asked: world.server.count((r) => r.path === path) };
      };
      world.server.fault(path, { kind: 'oversize', bytes });
      const first = await again([], { MK_BUNDLE_MAX_METADATA_SIZE: '64M' });
      expect(first.run.code).toBe(0);
      const stillBig = await again(['-r', '--max-metadata-size', '1M']);
      expect(stillBig.run.code).toBe(3);
      expect(stillBig.asked).toBe(1);
      expect(oneErrorLine(stillBig.run.stderr)).toBe(
        limitLine(
          `${world.urls.mirror}/lshw.tcz.dep`,
          '1 MiB',
          'metadata files',
          '--max-metadata-size',
          'announced 2.0 MiB, ',
        ),
      );
      world.server.clearFaults();
      const fixed = await again(['-r', '--max-metadata-size', '1M']);
      expect(fixed.run.code).toBe(0);
      expect(fixed.asked).toBe(1);
      const offline = await again(['-r', '--max-metadata-size', '1M']);
      expect(offline.run.code).toBe(0);
      expect(offline.asked).toBe(0);
    });
  });

  it('a bad list line names the file and line', async () => {
    const list = join(dir, 'bad.lst');
    await writeFile(list, 'bash.tcz\n\n../etc/passwd\n');
    const run = await runCli(['-b', list, '-m', world.mirrorList, ...world.flags, '--out', out, '-p']);
    expect(run.code).toBe(2);
    expect(oneErrorLine(run.stderr)).toContain(`${list}:3:`);
    await expectIntact();
  });

  it('a source tree without required files names them all', async () => {
    const source = join(dir, 'world', 'source');
    await unlink(join(source, 'tmp/first_checkin.yaml'));
    const run = await build();
    expect(run.code).toBe(2);
    expect(oneErrorLine(run.stderr)).toContain('missing tmp/first_checkin.yaml');
    await writeFile(join(source, 'tmp/first_checkin.yaml'), '---\n');
    await expectIntact();
  });

  it('refuses a prod bundle whose shadow-nologin lets tc log in', async () => {
    const shadow = join(dir, 'world', 'source', 'etc/shadow-nologin');
    const { readFile } = await import('node:fs/promises');
    const original = await readFile(shadow, 'utf8');
    await writeFile(shadow, original.replace(/^tc:!:/m, 'tc:$1$abc$def:'));
    const run = await build();
    await writeFile(shadow, original);
    expect(run.code).toBe(2);
    expect(oneErrorLine(run.stderr)).toBe(
      `mkbundle: ${shadow}: user tc can log in with a password; expected a locked field ('!' or '*')`,
    );
    await expectIntact();
  });

  it('leaves no output when the first build fails', async () => {
    const fresh = join(dir, 'fresh-out');
    world.server.fault(`${world.tinycore.tczPath}/ruby.tcz`, { kind: 'status', status: 404 });
    const run = await runCli([...lists(), ...world.flags, '--out', fresh, '-p'], {
      XDG_CACHE_HOME: join(dir, 'cache-fresh'),
    });
    expect(run.code).toBe(3);
    expect(existsSync(join(fresh, bundleName))).toBe(false);
  });
});

describe('.deb list entries', () => {
  async function debList(line: string): Promise<string[]> {
    const list = join(dir, 'deb.lst');
    await writeFile(list, `bash.tcz\n${line}\n`);
    return ['-b', list, '-m', world.mirrorList];
  }
  const buildWith = async (listFlags: readonly string[]) =>
    runCli([...listFlags, ...world.flags, '--out', join(dir, 'deb-out'), '-p'], {
      XDG_CACHE_HOME: await mkdtemp(join(dir, 'cache-')),
    });

  it('a package in none of the indexes is one line naming it and the index', async () => {
    const run = await buildWith(await debList('no-such-package.deb'));
    expect(run.code).toBe(2);
    expect(oneErrorLine(run.stderr)).toBe(
      `mkbundle: Debian package 'no-such-package' is in none of the package indexes (${world.urls.dpkgList})`,
    );
    expect(existsSync(join(dir, 'deb-out'))).toBe(false);
  });

  it('a .deb whose bytes do not match the index is an integrity error naming its URL', async () => {
    const lshw = world.debian.debs.get('lshw');
    if (lshw === undefined) throw new Error('the world has no lshw');
    world.server.fault(`${DEBIAN_PREFIX}/${lshw.filename}`, { kind: 'corrupt' });
    const run = await buildWith(await debList('lshw.deb'));
    expect(run.code).toBe(4);
    const line = oneErrorLine(run.stderr);
    expect(line).toContain(`${world.urls.debMirror}/${lshw.filename}`);
    expect(line).toMatch(/sha256 expected [0-9a-f]{64}, got [0-9a-f]{64}/);
  });

  it('a package index over --max-index-size names it and the limit', async () => {
    const run = await buildWith([...(await debList('lshw.deb')), '--max-index-size', '1K']);
    expect(run.code).toBe(3);
    expect(oneErrorLine(run.stderr)).toMatch(
      new RegExp(
        `^mkbundle: GET ${world.urls.dpkgList}: announced [\\d.]+ KiB, larger than the 1 KiB limit for package and gem indexes \\(raise it with --max-index-size\\)$`,
      ),
    );
  });

  it('no package index at all is a 404 naming the index URL', async () => {
    world.server.fault(new URL(world.urls.dpkgList).pathname, { kind: 'status', status: 404 });
    const run = await buildWith(await debList('lshw.deb'));
    expect(run.code).toBe(3);
    expect(oneErrorLine(run.stderr)).toBe(`mkbundle: GET ${world.urls.dpkgList}: 404 Not Found`);
  });
});
