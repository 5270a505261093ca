import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diff, formatDiff } from '../../src/diff/index.js';
import { InputError } from '../../src/errors.js';
import { buildBundle, isoAsNobody, openDir } from '../rebuild/helpers.js';
import { startWorld, type World } from '../world/index.js';

/**
 * diff on reproducible builds of the test world: two builds of the same
 * inputs are the same; a flavour or one extension less gives the lines
 * that say so, down inside the overlay and the ISO's core.gz.
 */
let dir: string;
let world: World;
const bundles: Record<'dev' | 'again' | 'prod' | 'noBash', string> = { dev: '', again: '', prod: '', noBash: '' };
const isos: Record<'dev' | 'again' | 'prod', string> = { dev: '', again: '', prod: '' };
const ENV = { SOURCE_DATE_EPOCH: '1700000000' };
const OVERLAY = 'dependencies/razor-microkernel-overlay.tar.gz';

async function isoOf(bundle: string, flavour: 'dev' | 'prod'): Promise<string> {
  const out = await openDir('mk-diff-iso-');
  const run = isoAsNobody(bundle, '1.0', ['--out', out, '--no-recompress'], ENV);
  if (run.code !== 0) throw new Error(run.stderr);
  return join(out, `rz_mk_${flavour}-image.1.0.iso`);
}

beforeAll(async () => {
  dir = await openDir('mk-diff-');
  world = await startWorld(join(dir, 'world'));
  const noBash = join(dir, 'builtin-without-bash.lst');
  await writeFile(noBash, (await readFile(world.builtinList, 'utf8')).replace('bash.tcz\n', ''));
  bundles.dev = await buildBundle(world, join(dir, 'dev'), 'dev', [], ENV);
  bundles.again = await buildBundle(world, join(dir, 'again'), 'dev', [], ENV);
  bundles.prod = await buildBundle(world, join(dir, 'prod'), 'prod', [], ENV);
  bundles.noBash = await buildBundle(world, join(dir, 'no-bash'), 'dev', ['-b', noBash], ENV);
  isos.dev = await isoOf(bundles.dev, 'dev');
  isos.again = await isoOf(bundles.again, 'dev');
  isos.prod = await isoOf(bundles.prod, 'prod');
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('diff two bundles', () => {
  it('finds two builds of the same inputs the same', async () => {
    const report = await diff(bundles.dev, bundles.again);
    expect(report).toEqual({ same: true, added: [], removed: [], changed: [] });
    expect(formatDiff(report)).toBe('no differences\n');
  });

  it('says which extension one build lacks, inside the overlay', async () => {
    const report = await diff(bundles.dev, bundles.noBash);
    expect(formatDiff(report)).toBe(
      [
        '~ bundle.json (size, content)',
        `~ ${OVERLAY} (size, content)`,
        `~ ${OVERLAY}:/tmp/builtin/onboot.lst (size, content)`,
        `- ${OVERLAY}:/tmp/builtin/optional/bash.tcz`,
        `- ${OVERLAY}:/tmp/builtin/optional/bash.tcz.md5.txt`,
        '',
      ].join('\n'),
    );
    expect(report.removed[0]).toEqual({ path: `${OVERLAY}:/tmp/builtin/optional/bash.tcz`, type: 'file', size: 4096 });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('says what the prod flavour leaves out and changes', async () => {
    expect(formatDiff(await diff(bundles.dev, bundles.prod))).toBe(
      [
        '~ bundle.json (size, content)',
        `~ ${OVERLAY} (size, content)`,
        `~ ${OVERLAY}:/etc/shadow (size, content)`,
        `~ ${OVERLAY}:/tmp/builtin/onboot.lst (size, content)`,
        `- ${OVERLAY}:/tmp/builtin/optional/openssh.tcz`,
        `- ${OVERLAY}:/tmp/builtin/optional/openssh.tcz.dep`,
        `- ${OVERLAY}:/tmp/builtin/optional/openssh.tcz.md5.txt`,
        '- dependencies/ssh-setup-files.tar.gz',
        '',
      ].join('\n'),
    );
  });
});

describe('diff two ISOs', () => {
  it('finds two builds of the same bundle the same', async () => {
    expect(await diff(isos.dev, isos.again)).toEqual({ same: true, added: [], removed: [], changed: [] });
  });

  it("compares the ISO's tree and, inside, core.gz's", async () => {
    expect(formatDiff(await diff(isos.dev, isos.prod))).toBe(
      [
        '~ boot/core.gz (size, content)',
        '~ boot/core.gz:/etc/shadow (size, content)',
        '- boot/core.gz:/opt/ssh-keys-setup.sh',
        '~ boot/core.gz:/tmp/builtin/onboot.lst (size, content)',
        '- boot/core.gz:/tmp/builtin/optional/openssh.tcz',
        '- boot/core.gz:/tmp/builtin/optional/openssh.tcz.dep',
        '- boot/core.gz:/tmp/builtin/optional/openssh.tcz.md5.txt',
        '- boot/core.gz:/usr/local/etc/ssh',
        '- boot/core.gz:/usr/local/etc/ssh/sshd_config',
        '~ boot/core.gz:/usr/share/mkbundle/manifest (size, content)',
        '~ iso-metadata.yaml (content)',
        '',
      ].join('\n'),
    );
  });
});

describe('diff refuses (exit 2)', () => {
  it('a bundle against an ISO, and what is neither', async () => {
    await expect(diff(bundles.dev, isos.dev)).rejects.toThrow(
      new InputError(`'${bundles.dev}' is a bundle and '${isos.dev}' an ISO: diff compares two bundles or two ISOs`),
    );
    const list = join(dir, 'list.tar.gz');
    await writeFile(list, 'bash.tcz\n');
    await expect(diff(list, bundles.dev)).rejects.toThrow(new InputError(`'${list}' is not a bundle or an ISO`));
  });
});
