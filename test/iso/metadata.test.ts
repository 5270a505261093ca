import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256File } from '../../src/hash.js';
import { type IsoMetadata, isoMetadataYaml, yamlString, yamlTimestamp } from '../../src/iso/metadata.js';

const KERNEL_HASH = createHash('sha256').update('kernel').digest('hex');
const INITRD_HASH = createHash('sha256').update('initrd').digest('hex');

const meta = (isoVersion: string, buildTime = new Date(1_704_067_200_000)): IsoMetadata => ({
  isoVersion,
  boot: { kernel: 'boot/vmlinuz', initrd: 'boot/core.gz' },
  kernelHash: KERNEL_HASH,
  initrdHash: INITRD_HASH,
  buildTime,
});

/** Debian's python3 with python3-yaml, and ruby: scripts/setup installs both. */
const PYTHON = '/usr/bin/python3';

/** What PyYAML reads from each document, as JSON (timestamps as epoch seconds); one python3 run for all. */
async function pyYaml(texts: string[]): Promise<Record<string, unknown>[]> {
  const script = [
    'import sys, json, yaml, datetime',
    'def conv(v):',
    '  if isinstance(v, datetime.datetime):',
    '    return {"epoch": (v if v.tzinfo else v.replace(tzinfo=datetime.timezone.utc)).timestamp()}',
    '  if isinstance(v, dict): return {k: conv(x) for k, x in v.items()}',
    '  return v',
    'print(json.dumps([conv(yaml.safe_load(t)) for t in json.load(sys.stdin)]))',
  ].join('\n');
  const { stdout } = await execa(PYTHON, ['-c', script], { input: JSON.stringify(texts) });
  return JSON.parse(stdout) as Record<string, unknown>[];
}

/** What Ruby's YAML reads (Razor's reader): iso_build_time must be a Time, since Razor calls to_i on it. */
async function rubyYaml(text: string): Promise<Record<string, unknown>> {
  const script = [
    'require "yaml"; require "json"',
    's = STDIN.read',
    'h = YAML.respond_to?(:unsafe_load) ? YAML.unsafe_load(s) : YAML.load(s)',
    'h["iso_build_time_class"] = h["iso_build_time"].class.name',
    'h["iso_build_time"] = h["iso_build_time"].to_i',
    'puts JSON.generate(h)',
  ].join('\n');
  return JSON.parse((await execa('ruby', ['-e', script], { input: text })).stdout) as Record<string, unknown>;
}

describe('iso-metadata.yaml', () => {
  it('has the shape of Ruby YAML.dump of the original hash', () => {
    expect(isoMetadataYaml(meta('0.12.0'))).toBe(
      [
        '---',
        "iso_version: '0.12.0'",
        'kernel: boot/vmlinuz',
        'initrd: boot/core.gz',
        'hash_description:',
        '  type: Digest::SHA2',
        '  bitlen: 256',
        `kernel_hash: '${KERNEL_HASH}'`,
        `initrd_hash: '${INITRD_HASH}'`,
        'iso_build_time: 2024-01-01 00:00:00.000000000 Z',
        '',
      ].join('\n'),
    );
  });

  it('names the x86_64 files', () => {
    const text = isoMetadataYaml({ ...meta('1'), boot: { kernel: 'boot/vmlinuz64', initrd: 'boot/corepure64.gz' } });
    expect(text).toContain('\nkernel: boot/vmlinuz64\ninitrd: boot/corepure64.gz\n');
  });

  it('writes the build time as a UTC timestamp with nanoseconds, like Ruby', () => {
    expect(yamlTimestamp(new Date(Date.UTC(2013, 4, 8, 17, 39, 36, 370)))).toBe('2013-05-08 17:39:36.370000000 Z');
  });

  it.each([
    ['plain', 'a b', "'a b'"],
    ['a quote', "it's", "'it''s'"],
    ['a tab', 'a\tb', '"a\\x09b"'],
    ['a newline and quotes', 'a\n"\\', '"a\\x0a\\"\\\\"'],
    ['a line separator', 'a\u2028', '"a\\u2028"'],
  ])('quotes a string with %s', (_what, text, yaml) => {
    expect(yamlString(text)).toBe(yaml);
  });

  it('reads back in PyYAML with versions that look like YAML', async () => {
    const versions = ['1.0: x', '1.0', 'yes', "it's #1", '- a', '{a: b}', '@x', '~', 'é🚀', '0x10', '&a *b', '"q"'];
    const read = await pyYaml(versions.map((v) => isoMetadataYaml(meta(v))));
    expect(read).toEqual(
      versions.map((version) => ({
        iso_version: version,
        kernel: 'boot/vmlinuz',
        initrd: 'boot/core.gz',
        hash_description: { type: 'Digest::SHA2', bitlen: 256 },
        kernel_hash: KERNEL_HASH,
        initrd_hash: INITRD_HASH,
        iso_build_time: { epoch: 1_704_067_200 },
      })),
    );
  });

  it('round-trips any string through PyYAML', async () => {
    const samples = fc.sample(fc.string({ unit: 'binary', maxLength: 20 }), 40);
    const read = await pyYaml(samples.map((s) => `v: ${yamlString(s)}`));
    expect(read.map((doc) => doc.v)).toEqual(samples);
  });

  it('reads back in Ruby, the build time as a Time', async () => {
    const read = await rubyYaml(isoMetadataYaml(meta('1.0: x', new Date(1_704_067_200_500))));
    expect(read).toEqual({
      iso_version: '1.0: x',
      kernel: 'boot/vmlinuz',
      initrd: 'boot/core.gz',
      hash_description: { type: 'Digest::SHA2', bitlen: 256 },
      kernel_hash: KERNEL_HASH,
      initrd_hash: INITRD_HASH,
      iso_build_time: 1_704_067_200,
      iso_build_time_class: 'Time',
    });
  });

  it('hashes a file with SHA-256', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mkbundle-iso-meta-'));
    try {
      await writeFile(join(dir, 'f'), 'kernel');
      await expect(sha256File(join(dir, 'f'))).resolves.toBe(KERNEL_HASH);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
