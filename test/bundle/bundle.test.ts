import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/passwd/crypt.js';
import { passwordField } from '../../src/passwd/shadow.js';
import { formatDepFile, parseDepNames } from '../../src/tce/deps.js';
import { parseRunJson } from '../helpers/json-schema.js';
import { WORLD_RESOLUTION } from '../world/gems.js';
import { startWorld, type World } from '../world/index.js';
import { MICROKERNEL_FILES } from '../world/microkernel.js';
import { type ReadEntry, runCli, sha256, tarContents, text } from './harness.js';

let dir: string;
let world: World;
let cacheHome: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-bundle-'));
  world = await startWorld(join(dir, 'world'));
  cacheHome = join(dir, 'cache');
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

async function build(out: string, extra: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const run = await runCli(['-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', out, ...extra], {
    XDG_CACHE_HOME: cacheHome,
    ...env,
  });
  return run;
}

interface Built {
  readonly bundle: Map<string, ReadEntry>;
  readonly overlay: Map<string, ReadEntry>;
  readonly stdout: string;
  readonly stderr: string;
}

async function buildAndRead(name: string, extra: readonly string[], flavour: string): Promise<Built> {
  const out = join(dir, name);
  const run = await build(out, extra);
  expect(run.stderr).not.toContain('mkbundle:');
  expect(run.code).toBe(0);
  const bundle = await tarContents(join(out, `razor-microkernel-bundle-${flavour}.tar.gz`));
  const overlayBody = bundle.get('dependencies/razor-microkernel-overlay.tar.gz')?.body;
  if (!overlayBody) throw new Error('no overlay in the bundle');
  return { bundle, overlay: await tarContents(overlayBody), stdout: run.stdout, stderr: run.stderr };
}

describe('a prod bundle from the test world', () => {
  let built: Built;
  beforeAll(async () => {
    built = await buildAndRead('prod', ['-p'], 'prod');
  });

  it('has the bundle layout of the original', () => {
    const top = [...built.bundle.keys()].filter((p) => !p.includes('/') || p.startsWith('dependencies/'));
    expect(top.sort()).toEqual(
      [
        'COPYING',
        'Core-current.iso',
        'LICENSE',
        'bundle.json',
        'dependencies',
        'dependencies/mcollective-setup-files.tar.gz',
        'dependencies/mk-open-vm-tools.tar.gz',
        'dependencies/razor-microkernel-overlay.tar.gz',
        'mkbundle-iso.mjs',
        'mkbundle-native.node',
        'rebuild-iso',
      ].sort(),
    );
    expect(built.bundle.get('rebuild-iso')?.entry.mode).toBe(0o755);
    for (const { entry } of built.bundle.values()) {
      expect(entry.uid).toBe(0);
      expect(entry.gid).toBe(0);
    }
  });

  it('carries no openssh and no ssh setup files', () => {
    expect([...built.overlay.keys()].filter((p) => p.includes('openssh'))).toEqual([]);
    expect(text(built.overlay, 'tmp/builtin/onboot.lst')).not.toContain('openssh');
    expect(built.bundle.has('dependencies/ssh-setup-files.tar.gz')).toBe(false);
  });

  it('installs shadow-nologin as etc/shadow', () => {
    expect(text(built.overlay, 'etc/shadow')).toBe(MICROKERNEL_FILES['etc/shadow-nologin']?.body);
    expect(built.overlay.has('etc/shadow-nologin')).toBe(false);
    // The source tree's file is world-readable; the image's is not.
    expect(built.overlay.get('etc/shadow')?.entry.mode).toBe(0o600);
  });

  it('puts every extension where the original did, with md5 and dep files', () => {
    const onboot = text(built.overlay, 'tmp/builtin/onboot.lst').trim().split('\n');
    expect(onboot).toEqual(
      world.tinycore.builtinList
        .trim()
        .split('\n')
        .filter((n) => n !== 'openssh.tcz'),
    );
    for (const name of onboot) {
      expect(built.overlay.has(`tmp/builtin/optional/${name}`)).toBe(true);
      expect(built.overlay.has(`tmp/builtin/optional/${name}.md5.txt`)).toBe(true);
      expect(built.overlay.has(`tmp/builtin/optional/${name}.info`)).toBe(false);
      // Shipped as the real tce-load can read it (one NAME.tcz per LF line), or not at all when it names nothing.
      const served = world.tinycore.extensions.get(name)?.dep ?? null;
      const names = served === null ? [] : parseDepNames(served, name);
      const shipped = built.overlay.get(`tmp/builtin/optional/${name}.dep`)?.body?.toString();
      expect(shipped).toBe(names.length === 0 ? undefined : formatDepFile(names));
    }
    for (const { entry, body } of built.overlay.values()) {
      if (entry.path.endsWith('.dep')) expect(body?.toString('latin1')).toMatch(/^([A-Za-z0-9._+-]+\.tcz\n)+$/);
    }
    for (const name of world.tinycore.mirrorList.trim().split('\n')) {
      for (const suffix of ['', '.md5.txt', '.info', '.list']) {
        expect(built.overlay.has(`tmp/tinycorelinux/4.x/x86/tcz/${name}${suffix}`)).toBe(true);
      }
    }
    const ruby = built.overlay.get('tmp/builtin/optional/ruby.tcz');
    expect(ruby?.body?.length).toBe(world.tinycore.extensions.get('ruby.tcz')?.size);
  });

  it('unpacks MCollective with its links and agents', () => {
    const base = 'usr/local/tce.installed/mcollective-2.0.0';
    expect(built.overlay.has(`${base}/bin/mcollectived`)).toBe(true);
    expect(built.overlay.has(`${base}/plugins/mcollective/agent/configuration.rb`)).toBe(true);
    expect(built.overlay.has(`${base}/plugins/mcollective/agent/facteragent.rb`)).toBe(true);
    expect(built.overlay.get('usr/local/mcollective')?.entry).toMatchObject({
      kind: 'symlink',
      target: `/${base}`,
    });
    expect(built.overlay.get('usr/local/bin/mcollectived')?.entry).toMatchObject({
      kind: 'symlink',
      target: '/usr/local/mcollective/bin/mcollectived',
    });
    expect(built.overlay.get('usr/sbin/dmidecode')?.entry).toMatchObject({
      kind: 'symlink',
      target: '/usr/local/sbin/dmidecode',
    });
  });

  it('takes lscpu and sfdisk out of util-linux.tcz, executable', () => {
    for (const path of ['usr/local/bin/lscpu', 'usr/local/sbin/sfdisk']) {
      const found = built.overlay.get(path);
      expect(found?.entry.mode).toBe(0o755);
      expect(found?.body?.toString()).toContain('MKWORLD-EXT util-linux');
    }
  });

  it('resolves the gems and copies the project files', () => {
    const gems = [...built.overlay.keys()].filter((p) => /^opt\/gems\/.*\.gem$/.test(p)).sort();
    expect(gems).toEqual(WORLD_RESOLUTION.map(([name, version]) => `opt/gems/${name}-${version}.gem`).sort());
    expect(built.overlay.has('opt/rubygems-1.8.24.tgz')).toBe(true);
    expect(built.overlay.get('opt/bootsync.sh')?.entry.mode).toBe(0o755);
    expect(built.overlay.has('usr/local/bin/rz_mk_controller.rb')).toBe(true);
    expect(built.overlay.has('usr/local/lib/ruby/1.8/razor_microkernel/logging.rb')).toBe(true);
    expect(text(built.overlay, 'tmp/mk_conf.yaml')).toBe(MICROKERNEL_FILES['tmp/mk_conf.yaml']?.body);
  });

  it('describes itself in bundle.json', () => {
    const manifest = JSON.parse(text(built.bundle, 'bundle.json'));
    expect(manifest).toMatchObject({
      format: 1,
      flavour: 'prod',
      era: '2012',
      tinycore: {
        version: '4.x',
        arch: 'x86',
        kernelVersion: '3.0.21-tinycore',
        iso: 'Core-current.iso',
        kernel: 'boot/vmlinuz',
        initrd: 'boot/core.gz',
      },
      // The 2012 order: mcollective-setup-files after the overlay (prod has no ssh-setup-files).
      dependencies: [
        'dependencies/mk-open-vm-tools.tar.gz',
        'dependencies/razor-microkernel-overlay.tar.gz',
        'dependencies/mcollective-setup-files.tar.gz',
      ],
    });
    // The world's tree is in no git checkout: no version to record.
    expect(manifest.version).toBeUndefined();
    expect(built.bundle.has('gitversion.sh')).toBe(false);
    const iso = manifest.inputs.find((i: { url: string }) => i.url === world.urls.iso);
    expect(iso.size).toBe(built.bundle.get('Core-current.iso')?.body?.length);
    expect(iso.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('dev and debug bundles', () => {
  it('dev: openssh, ssh setup files and the default password as SHA-512 crypt', async () => {
    const built = await buildAndRead('dev', [], 'dev');
    expect(built.overlay.has('tmp/builtin/optional/openssh.tcz')).toBe(true);
    expect(text(built.overlay, 'tmp/builtin/onboot.lst')).toContain('openssh.tcz\n');
    expect(built.bundle.has('dependencies/ssh-setup-files.tar.gz')).toBe(true);
    expect(built.overlay.get('etc/shadow')?.entry.mode).toBe(0o600);
    const field = passwordField(text(built.overlay, 'etc/shadow'), 'tc', 'etc/shadow');
    expect(field).toMatch(/^\$6\$/);
    expect(verifyPassword('test1234', field)).toBe(true);
    expect(text(built.overlay, 'etc/inittab')).toBe(MICROKERNEL_FILES['etc/inittab']?.body);
  });

  it('debug: autologin on tty1, the debug config, a given password as MD5 crypt', async () => {
    const built = await buildAndRead('debug', ['-d', '-t', 's3cret!', '--passwd-hash', 'md5'], 'debug');
    expect(text(built.overlay, 'etc/inittab')).toContain('tty1::respawn:/sbin/getty -nl /sbin/autologin 38400 tty1\n');
    expect(text(built.overlay, 'tmp/mk_conf.yaml')).toBe(MICROKERNEL_FILES['tmp/mk_conf_debug.yaml']?.body);
    expect(built.overlay.get('etc/shadow')?.entry.mode).toBe(0o600);
    const field = passwordField(text(built.overlay, 'etc/shadow'), 'tc', 'etc/shadow');
    expect(field).toMatch(/^\$1\$/);
    expect(verifyPassword('s3cret!', field)).toBe(true);
    expect(built.stdout + built.stderr).not.toContain('s3cret!');
  });
});

describe('the download cache', () => {
  it('-r makes no request when everything is cached, and --json tells the figures', async () => {
    const out = join(dir, 'reuse');
    const first = await build(out, ['-p']);
    expect(first.code).toBe(0);
    world.server.resetLog();
    const again = await build(out, ['-p', '-r', '--json']);
    expect(again.code).toBe(0);
    expect(world.server.count()).toBe(0);
    const { downloads } = parseRunJson(again.stdout).bundle;
    expect(downloads).toMatchObject({ requests: 0, bytesFetched: 0 });
    expect(downloads.bytesFromCache).toBeGreaterThan(0);
  });

  it('without -r revalidates instead of downloading again', async () => {
    const out = join(dir, 'revalidate');
    expect((await build(out, ['-p'])).code).toBe(0);
    world.server.resetLog();
    const run = await build(out, ['-p', '--json']);
    expect(run.code).toBe(0);
    const served = world.server.requests.filter((r) => r.status === 200);
    expect(served).toEqual([]);
    expect(world.server.requests.filter((r) => r.status === 304).length).toBeGreaterThan(0);
  });

  it('--cache-dir and --jobs 1 build the same bundle into the named cache', async () => {
    const cacheDir = join(dir, 'own-cache');
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const a = join(dir, 'jobs-1');
    const b = join(dir, 'jobs-8');
    expect((await build(a, ['-p', '--cache-dir', cacheDir, '--jobs', '1'], env)).code).toBe(0);
    expect((await build(b, ['-p'], env)).code).toBe(0);
    const name = 'razor-microkernel-bundle-prod.tar.gz';
    expect(await sha256(join(a, name))).toBe(await sha256(join(b, name)));
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(join(cacheDir, 'blobs', 'sha256'))).length).toBeGreaterThan(50);
  });

  it('same SOURCE_DATE_EPOCH, byte-identical bundles', async () => {
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const a = join(dir, 'repro-a');
    const b = join(dir, 'repro-b');
    expect((await build(a, [], env)).code).toBe(0);
    expect((await build(b, [], { ...env, XDG_CACHE_HOME: join(dir, 'other-cache') })).code).toBe(0);
    const name = 'razor-microkernel-bundle-dev.tar.gz';
    expect(await sha256(join(a, name))).toBe(await sha256(join(b, name)));
    const contents = await tarContents(join(a, name));
    for (const { entry } of contents.values()) expect(entry.mtime).toBeLessThanOrEqual(1700000000);
  });
});

describe('--dry-run and --no-deps', () => {
  it('prints the plan without a request', async () => {
    world.server.resetLog();
    const run = await build(join(dir, 'dry'), ['-p', '--dry-run']);
    expect(run.code).toBe(0);
    expect(world.server.count()).toBe(0);
    expect(run.stdout).toContain(`${world.urls.mirror}/ruby.tcz.md5.txt → tmp/builtin/optional/ruby.tcz.md5.txt`);
    expect(run.stdout).toContain(`${world.urls.iso} → bundle Core-current.iso`);
    expect(existsSync(join(dir, 'dry'))).toBe(false);
  });

  it('--no-deps fetches only the listed extensions', async () => {
    const { writeFile } = await import('node:fs/promises');
    const list = join(dir, 'only-ruby.lst');
    await writeFile(list, 'ruby.tcz\n');
    const out = join(dir, 'nodeps');
    const run = await runCli(['-b', list, '-m', list, ...world.flags, '--out', out, '-p', '--no-deps'], {
      XDG_CACHE_HOME: cacheHome,
    });
    expect(run.code).toBe(0);
    const bundle = await tarContents(join(out, 'razor-microkernel-bundle-prod.tar.gz'));
    const overlay = await tarContents(
      bundle.get('dependencies/razor-microkernel-overlay.tar.gz')?.body ?? Buffer.alloc(0),
    );
    const tczs = [...overlay.keys()].filter((p) => p.startsWith('tmp/builtin/optional/') && p.endsWith('.tcz'));
    expect(tczs).toEqual(['tmp/builtin/optional/ruby.tcz']);
    expect(overlay.has('tmp/builtin/optional/ruby.tcz.dep')).toBe(true);
  });
});

describe('a source tree in a git checkout', () => {
  it('records the git version in bundle.json and gitversion.sh, as the 2013 script derived it', async () => {
    const { cp } = await import('node:fs/promises');
    const { execa } = await import('execa');
    const source = join(dir, 'git-source');
    await cp(world.source, source, { recursive: true });
    const git = (...args: string[]) =>
      execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: source });
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-qm', 'one');
    await git('tag', 'v2.5.0');
    await git('commit', '-q', '--allow-empty', '-m', 'two');
    const hash = (await git('rev-parse', '--short', 'HEAD')).stdout.trim();
    const out = join(dir, 'git-out');
    const flags = world.flags.map((f) => (f === world.source ? source : f));
    const run = await runCli(['-b', world.builtinList, '-m', world.mirrorList, ...flags, '--out', out, '-p'], {
      XDG_CACHE_HOME: cacheHome,
    });
    expect(run.stderr).not.toContain('mkbundle:');
    expect(run.code).toBe(0);
    const bundle = await tarContents(join(out, 'razor-microkernel-bundle-prod.tar.gz'));
    const version = `2.5.0+1-g${hash}`;
    expect(JSON.parse(text(bundle, 'bundle.json')).version).toBe(version);
    expect(text(bundle, 'gitversion.sh')).toBe(`ISO_VERSION='${version}'\n`);
  });
});

describe('a gem server with only the legacy index (what `gem server` serves)', () => {
  it('resolves and fetches the same gems, warning that nothing could be checked', async () => {
    const { buildGemWorld } = await import('../world/gems.js');
    const { buildLegacyGemIndex } = await import('../world/legacy-gems.js');
    const { WorldServer } = await import('../world/server.js');
    const gems = buildGemWorld().gems;
    const routes = new Map(await buildLegacyGemIndex(gems));
    for (const [file, body] of gems) routes.set(`/gems/${file}`, body);
    const legacy = await WorldServer.start(routes);
    try {
      const out = join(dir, 'legacy-out');
      const flags = world.flags.map((f) => (f === world.urls.gemSource ? `${legacy.url}/` : f));
      const run = await runCli(['-b', world.builtinList, '-m', world.mirrorList, ...flags, '--out', out, '-p'], {
        XDG_CACHE_HOME: cacheHome,
      });
      expect(run.stderr).not.toContain('mkbundle:');
      expect(run.code).toBe(0);
      // One warning for all that nothing checked: the tarballs and the gems, with the legacy index as the cause.
      const warnings = run.stderr.split('\n').filter((line) => /^warning: .*(checksum|verified)/.test(line));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        new RegExp(
          `^warning: ${WORLD_RESOLUTION.length + 3} inputs not verified against any checksum: .* and \\d+ more; `,
        ),
      );
      expect(warnings[0]).toMatch(/; pin with --mcollective-sha256, --open-vm-tools-sha256, --rubygems-sha256; /);
      expect(warnings[0]?.endsWith(`; ${legacy.url} has a legacy gem index, without checksums`)).toBe(true);
      const bundle = await tarContents(join(out, 'razor-microkernel-bundle-prod.tar.gz'));
      const gemInputs = JSON.parse(text(bundle, 'bundle.json')).inputs.filter((i: { url: string }) =>
        i.url.endsWith('.gem'),
      );
      expect(gemInputs.map((i: { verified: string }) => i.verified)).toEqual(WORLD_RESOLUTION.map(() => 'unverified'));
      const names = JSON.parse(text(bundle, 'bundle.json')).gems.map(
        (g: { name: string; version: string }) => `${g.name}-${g.version}`,
      );
      expect(names.sort()).toEqual(WORLD_RESOLUTION.map(([name, version]) => `${name}-${version}`).sort());
      expect(legacy.requests.map((r) => r.path)).toContain('/specs.4.8.gz');
    } finally {
      await legacy.close();
    }
  });
});
