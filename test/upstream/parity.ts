/** Small pieces the parity tests share. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { readTar } from '../../src/archive/tar-read.js';
import type { Flavour } from '../../src/config/flavour.js';
import { parseHash } from '../../src/passwd/crypt.js';
import type { World } from '../world/index.js';
import { type Allowance, compareArchives, type Difference, explain, formatDifferences } from './compare.js';
import type { MkbundleRun } from './run-mkbundle.js';
import type { UpstreamRun } from './run-upstream.js';

/** What both sides use for dev: the 2013 script's default, and mkbundle's. */
export const TC_PASSWORD = 'test1234';

/** A file of a tar(.gz), as text. */
export async function archiveText(archive: string, path: string): Promise<string> {
  for await (const entry of readTar(archive, { name: archive })) {
    if (entry.path !== path || entry.kind !== 'file' || entry.data.from !== 'stream') continue;
    const chunks: Buffer[] = [];
    for await (const chunk of entry.data.open()) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString();
  }
  throw new Error(`${archive}: no file ${path}`);
}

/** The list file's names, as upstream's `for file in \`cat LIST\`` reads them. */
export async function listNames(tree: string, list: string): Promise<string[]> {
  return (await readFile(join(tree, list), 'utf8')).split(/\s+/).filter((name) => name !== '');
}

/** The world's 404s an upstream run must see: the `.dep` of each fetched extension that has none. */
export function depMisses(world: World, names: readonly string[]): string[] {
  return names
    .filter((name) => world.tinycore.extensions.get(name)?.dep === null)
    .map((name) => `${world.tinycore.tczPath}/${name}.dep`)
    .sort();
}

/** The tc user's password field, and the shadow file with that field blanked. */
export function splitTcHash(shadow: string): { readonly hash: string; readonly rest: string } {
  const line = shadow.split('\n').find((l) => l.startsWith('tc:'));
  if (line === undefined) throw new Error('no tc line in the shadow file');
  return { hash: line.split(':')[1] ?? '', rest: shadow.replace(line, line.replace(/^tc:[^:]*/, 'tc:')) };
}

/** OpenSSL's `passwd -1` of `password` with the salt of `hash`: equal to `hash` when it is an MD5 crypt of it. */
export async function opensslMd5Again(password: string, hash: string): Promise<string> {
  const parsed = parseHash(hash);
  if (parsed?.scheme !== 'md5') throw new Error(`not an MD5 crypt hash: ${hash}`);
  const { stdout } = await execa('openssl', ['passwd', '-1', '-salt', parsed.salt, '-stdin'], { input: password });
  return stdout.trim();
}

/** Fails on any difference no allowance explains, and on any allowance (of `flavour`) that explains nothing. */
export function expectOnly(diffs: readonly Difference[], allowances: readonly Allowance[], flavour: Flavour): void {
  const { unexplained, unused } = explain(diffs, allowances, flavour);
  expect(unexplained, `differences nobody allowed:\n${formatDifferences(unexplained)}`).toEqual([]);
  expect(
    unused.map((a) => a.why),
    'allowances that matched nothing',
  ).toEqual([]);
}

/** What both sides of a parity test built, for one flavour. */
export interface ParitySides {
  readonly upstream: () => UpstreamRun;
  readonly ours: () => Promise<MkbundleRun>;
}

/** How long one mkbundle-side test may take: it may build the bundle first, on a busy machine. */
export const PARITY_TIMEOUT = 300_000;

/** The comparisons every parity test makes: overlays and bundles path by path, and the shadow files. */
export function comparisonTests(
  flavour: Flavour,
  sides: ParitySides,
  allow: { readonly overlay: readonly Allowance[]; readonly bundle: readonly Allowance[] },
): void {
  it('the overlays differ only where intended', { timeout: PARITY_TIMEOUT }, async () => {
    expectOnly(await compareArchives(sides.upstream().overlay, (await sides.ours()).overlay), allow.overlay, flavour);
  });

  it('the bundles differ only where intended', { timeout: PARITY_TIMEOUT }, async () => {
    expectOnly(await compareArchives(sides.upstream().bundle, (await sides.ours()).bundle), allow.bundle, flavour);
  });

  it('etc/shadow is the same but for the salt of the tc hash', { timeout: PARITY_TIMEOUT }, async () => {
    const theirs = splitTcHash(await archiveText(sides.upstream().overlay, 'etc/shadow'));
    const mine = splitTcHash(await archiveText((await sides.ours()).overlay, 'etc/shadow'));
    expect(mine.rest).toBe(theirs.rest);
    if (flavour === 'prod') {
      expect(mine.hash).toBe(theirs.hash);
      return;
    }
    for (const hash of [theirs.hash, mine.hash]) expect(await opensslMd5Again(TC_PASSWORD, hash)).toBe(hash);
  });
}
