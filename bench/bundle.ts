/**
 * Bundle stage figures against the test world with the seed's default
 * lists: a cold run (empty cache), a revalidating run, and a `-r` run.
 *
 *   npm run build && node dist/bench/bundle.js
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../src/cli/main.js';
import { startWorld } from '../test/world/index.js';

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'mk-bench-bundle-'));
try {
  const world = await startWorld(join(dir, 'world'), { bootable: true });
  const env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
  const run = async (label: string, extra: string[]) => {
    world.server.resetLog();
    const stdout = new Collect();
    const started = performance.now();
    const code = await main(
      [
        '-b',
        world.builtinList,
        '-m',
        world.mirrorList,
        '-p',
        ...world.flags,
        '--out',
        join(dir, 'out'),
        '--json',
        ...extra,
      ],
      { stdout, stderr: new Collect(), env },
    );
    const ms = performance.now() - started;
    if (code !== 0) throw new Error(`${label} failed: ${stdout.text}`);
    const result = (
      JSON.parse(stdout.text) as {
        bundle: { downloads: { requests: number; bytesFetched: number; bytesFromCache: number } };
      }
    ).bundle.downloads;
    console.log(
      `${label.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms  ${String(world.server.count()).padStart(4)} requests (server log)  ${String(result.bytesFetched).padStart(9)} B fetched  ${String(result.bytesFromCache).padStart(9)} B from cache`,
    );
  };
  await run('cold (empty cache)', []);
  await run('again, revalidating', []);
  await run('-r (reuse downloads)', ['-r']);
  await world.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
