import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatManifest, type ManifestRecord, parseManifest } from '../../src/initramfs/manifest.js';

/** Any path but one holding ` -> `, which a link line cannot tell from its arrow. */
const path = fc.stringMatching(/^[^\n]{1,40}$/).filter((p) => !p.includes(' -> '));
const hash = fc.stringMatching(/^[0-9a-f]{64}$/);
const meta = {
  mode: fc.integer({ min: 0, max: 0o7777 }),
  uid: fc.nat(65535),
  gid: fc.nat(65535),
};

const record: fc.Arbitrary<ManifestRecord> = fc.oneof(
  fc.record({ path, kind: fc.constant('file' as const), ...meta, size: fc.nat(), sha256: hash }),
  fc.record({
    path,
    kind: fc.constantFrom('dir' as const, 'fifo' as const, 'socket' as const),
    ...meta,
    size: fc.constant(0),
  }),
  fc.record({
    path,
    kind: fc.constantFrom('symlink' as const, 'hardlink' as const),
    ...meta,
    size: fc.constant(0),
    target: fc.stringMatching(/^[^\n]{1,40}$/),
  }),
  fc.record({
    path,
    kind: fc.constantFrom('chardev' as const, 'blockdev' as const),
    ...meta,
    size: fc.constant(0),
    device: fc.tuple(fc.nat(4095), fc.nat(1_048_575)).map(([a, b]) => `${a},${b}`),
  }),
);

const byPath = (a: ManifestRecord, b: ManifestRecord) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

describe('parseManifest', () => {
  it('reads back what formatManifest writes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(record, { selector: (r) => r.path, maxLength: 30 }), (records) => {
        const text = formatManifest(records, { iso_version: '1.0', kernel: 'boot/vmlinuz' });
        const parsed = parseManifest(text);
        expect(parsed.badLines).toEqual([]);
        expect(parsed.header).toEqual({ iso_version: '1.0', kernel: 'boot/vmlinuz' });
        expect(parsed.records).toEqual([...records].sort(byPath));
      }),
    );
  });

  it('names the lines that are neither header nor entry', () => {
    const text = '# initrd: boot/core.gz\nd 0755 0:0 0 - .\nnonsense\n- 0644 0:0 x - etc/motd\n';
    expect(parseManifest(text)).toEqual({
      header: { initrd: 'boot/core.gz' },
      records: [{ path: '.', kind: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 }],
      badLines: [3, 4],
    });
  });
});
