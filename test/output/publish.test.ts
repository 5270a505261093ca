import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { publish, writeOutputs } from '../../src/output/publish.js';

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mkbundle-publish-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function fresh(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  return dir;
}

const check = (dir: string) => spawnSync('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });

describe('writeOutputs', () => {
  it('puts the files and SHA256SUMS in place, sized and hashed; sha256sum -c accepts it', async () => {
    const dir = await fresh('first');
    const iso = join(dir, 'rz_mk_dev-image.1.0.iso');
    const written = await writeOutputs([
      { kind: 'iso', to: iso, write: (temp) => writeFile(temp, 'iso bytes') },
      { kind: 'manifest', to: `${iso}.manifest`, write: (temp) => writeFile(temp, 'manifest') },
    ]);
    const sums = await readFile(join(dir, 'SHA256SUMS'), 'utf8');
    expect(written).toEqual([
      { kind: 'iso', path: iso, size: 9, sha256: sha256('iso bytes'), replaced: false },
      { kind: 'manifest', path: `${iso}.manifest`, size: 8, sha256: sha256('manifest'), replaced: false },
      { kind: 'sha256sums', path: join(dir, 'SHA256SUMS'), size: sums.length, sha256: sha256(sums), replaced: false },
    ]);
    expect(sums).toBe(
      `${sha256('iso bytes')}  rz_mk_dev-image.1.0.iso\n${sha256('manifest')}  rz_mk_dev-image.1.0.iso.manifest\n`,
    );
    expect(check(dir).status).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([
      'SHA256SUMS',
      'rz_mk_dev-image.1.0.iso',
      'rz_mk_dev-image.1.0.iso.manifest',
    ]);
  });

  it("again: says what it replaced, and keeps the other files' lines", async () => {
    const dir = await fresh('again');
    await writeFile(join(dir, 'other.iso'), 'other');
    await writeFile(join(dir, 'SHA256SUMS'), `${sha256('other')}  other.iso\n`);
    const to = join(dir, 'bundle.tar.gz');
    const first = await writeOutputs([{ kind: 'bundle', to, write: (temp) => writeFile(temp, 'one') }]);
    expect(first.map((o) => o.replaced)).toEqual([false, true]);
    const second = await writeOutputs([{ kind: 'bundle', to, write: (temp) => writeFile(temp, 'two') }]);
    expect(second.map((o) => o.replaced)).toEqual([true, true]);
    expect(await readFile(join(dir, 'SHA256SUMS'), 'utf8')).toBe(
      `${sha256('other')}  other.iso\n${sha256('two')}  bundle.tar.gz\n`,
    );
    expect(check(dir).stdout).toBe('other.iso: OK\nbundle.tar.gz: OK\n');
  });

  it('a write that fails leaves the directory as it was, temporary names included', async () => {
    const dir = await fresh('failing');
    await writeFile(join(dir, 'b.tar.gz'), 'earlier');
    await writeFile(join(dir, 'SHA256SUMS'), `${sha256('earlier')}  b.tar.gz\n`);
    const boom = new InputError('cannot write b.tar.gz: no space left on device');
    await expect(
      writeOutputs([
        {
          kind: 'bundle',
          to: join(dir, 'b.tar.gz'),
          write: async (temp) => {
            await writeFile(temp, 'half');
            throw boom;
          },
        },
      ]),
    ).rejects.toBe(boom);
    expect((await readdir(dir)).sort()).toEqual(['SHA256SUMS', 'b.tar.gz']);
    expect(await readFile(join(dir, 'b.tar.gz'), 'utf8')).toBe('earlier');
    expect(check(dir).status).toBe(0);
  });
});

describe('publish', () => {
  it('an unusable SHA256SUMS (a directory) is an input error, and nothing is renamed', async () => {
    const dir = await fresh('sums-dir');
    await mkdir(join(dir, 'SHA256SUMS'));
    const staged = join(dir, 'x.iso.tmp');
    await writeFile(staged, 'x');
    await expect(publish([{ kind: 'iso', from: staged, to: join(dir, 'x.iso') }])).rejects.toThrow(
      new InputError(`cannot read ${join(dir, 'SHA256SUMS')}: is a directory`),
    );
    expect((await readdir(dir)).sort()).toEqual(['SHA256SUMS', 'x.iso.tmp']);
  });
});
