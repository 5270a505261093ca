/**
 * `--mirror` given more than once: each file under the extension directory
 * comes from the first mirror that gives it, checked the same way, and
 * bundle.json names the copy used; when every mirror fails, one line names
 * what each said.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../world/index.js';
import { runCli, tarContents, text } from './harness.js';

let dir: string;
let world: World;
/** A copy of the world's tcz directory on disk: the second mirror. */
let copy: string;
let copyUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-mirrors-'));
  world = await startWorld(join(dir, 'world'));
  copy = join(dir, 'copy', 'tcz');
  expect(await world.server.writeTree(world.tinycore.tczPath, copy)).toBeGreaterThan(20);
  copyUrl = pathToFileURL(copy).href;
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** A prod build with the world's mirror first and the copy second, each in its own cache and --out. */
async function build() {
  n += 1;
  const out = join(dir, `out-${n}`);
  const run = await runCli(
    ['-b', world.builtinList, '-m', world.mirrorList, '-p', ...world.flags, '--mirror', copy, '--out', out],
    { XDG_CACHE_HOME: join(dir, `cache-${n}`), SOURCE_DATE_EPOCH: '1700000000' },
  );
  return { ...run, bundle: join(out, 'razor-microkernel-bundle-prod.tar.gz') };
}

async function inputUrls(bundle: string): Promise<string[]> {
  const manifest = JSON.parse(text(await tarContents(bundle), 'bundle.json')) as { inputs: { url: string }[] };
  return manifest.inputs.map((input) => input.url);
}

const path = (name: string) => `${world.tinycore.tczPath}/${name}`;

describe('several --mirror', () => {
  it('take each file from the first mirror, and a file it 404s from the next, saying so', async () => {
    world.server.fault(path('bash.tcz'), { kind: 'status', status: 404 });
    try {
      const run = await build();
      expect(run.stderr).not.toContain('error');
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(
        `note: GET ${world.urls.mirror}/bash.tcz: 404 Not Found; trying ${copyUrl}/bash.tcz`,
      );
      const urls = await inputUrls(run.bundle);
      expect(urls).toContain(`${copyUrl}/bash.tcz`);
      expect(urls).not.toContain(`${world.urls.mirror}/bash.tcz`);
      // Everything else from the first mirror, the .md5.txt bash.tcz was checked against included.
      expect(urls).toContain(`${world.urls.mirror}/bash.tcz.md5.txt`);
      expect(urls.filter((url) => url.startsWith(copyUrl))).toEqual([`${copyUrl}/bash.tcz`]);
    } finally {
      world.server.clearFaults();
    }
  });

  it('take the next copy of a .tcz that fails its .md5.txt on the first mirror', async () => {
    world.server.fault(path('ruby.tcz'), { kind: 'corrupt' });
    try {
      const run = await build();
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(
        new RegExp(
          `note: ${world.urls.mirror}/ruby\\.tcz: md5 expected [0-9a-f]{32}, got [0-9a-f]{32}; trying ${copyUrl}/ruby\\.tcz`,
        ),
      );
      expect(await inputUrls(run.bundle)).toContain(`${copyUrl}/ruby.tcz`);
    } finally {
      world.server.clearFaults();
    }
  });

  it('fail in one line naming what each mirror said when none gives the file', async () => {
    world.server.fault(path('bash.tcz'), { kind: 'status', status: 404 });
    const saved = join(dir, 'bash.tcz.saved');
    await copyFile(join(copy, 'bash.tcz'), saved);
    await rm(join(copy, 'bash.tcz'));
    try {
      const run = await build();
      expect(run.code).toBe(3);
      expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(
        `mkbundle: every mirror failed: GET ${world.urls.mirror}/bash.tcz: 404 Not Found; '${join(copy, 'bash.tcz')}': no such file`,
      );
    } finally {
      world.server.clearFaults();
      await writeFile(join(copy, 'bash.tcz'), await readFile(saved));
    }
  });
});
