import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AddonError } from '../../src/errors.js';

const REASON = 'libdeflate: native addon /x/squashfs.node has no gzip (rebuild it with npm install)';

// An addon built before libdeflate was linked in: squashfs works, gzip is missing.
vi.mock('../../src/deflate/libdeflate.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/deflate/libdeflate.js')>();
  const missing = () => {
    throw new AddonError(REASON);
  };
  return { ...original, libdeflateVersion: vi.fn(missing), gzipBuffer: vi.fn(missing) };
});

const { startWorld } = await import('../world/index.js');
const { runCli, tarContents } = await import('./harness.js');

let dir: string;
let world: Awaited<ReturnType<typeof startWorld>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-zlib-fallback-'));
  world = await startWorld(join(dir, 'world'));
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the bundle stage with an addon that has no libdeflate', () => {
  it('writes the overlay and the bundle with zlib -9, saying so once', async () => {
    const out = join(dir, 'out');
    const run = await runCli(['-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', out, '-p'], {
      XDG_CACHE_HOME: join(dir, 'cache'),
    });
    expect(run.stderr).not.toContain('mkbundle:');
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n').filter((line) => line.startsWith('note:'))).toEqual([
      `note: ${REASON}; writing the tarballs with zlib -9 instead`,
    ]);
    const bundle = await tarContents(join(out, 'razor-microkernel-bundle-prod.tar.gz'));
    const overlay = bundle.get('dependencies/razor-microkernel-overlay.tar.gz')?.body;
    expect((await tarContents(overlay as Buffer)).has('tmp/builtin/onboot.lst')).toBe(true);
  });
});
