import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSumLine, type Sum, sumLineName, updateSums } from '../../src/output/sha256sums.js';

const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
/** File names as Linux allows them: anything but NUL and `/`, CR, LF and backslashes included. */
const fileName = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom('\\', '\n', '\r', ' ', '*', '(', ')'),
      fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' }),
    ),
    minLength: 1,
  })
  .filter((name) => !name.includes('/') && !name.includes('\0') && name !== '.' && name !== '..');
const sum = fc.record({ name: fileName, sha256: hex });

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-sums-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SHA256SUMS lines', () => {
  it('read back the name they were written for, whatever the name', () => {
    fc.assert(
      fc.property(sum, (s) => {
        const line = formatSumLine(s);
        expect(line).not.toMatch(/[\n\r]/);
        expect(sumLineName(line)).toBe(s.name);
      }),
    );
  });

  it("read sha256sum's own lines (GNU, binary and BSD tag forms, escaped names)", async () => {
    const names = ['plain.iso', 'we\\ird', 'new\nline', 'cr\rx', ' lead', 'star*'];
    for (const [i, name] of names.entries()) await writeFile(join(dir, name), `file ${i}\n`);
    for (const flags of [[], ['-b'], ['--tag']]) {
      const out = execFileSync('sha256sum', [...flags, '--', ...names], { cwd: dir, encoding: 'utf8' });
      expect(out.trimEnd().split('\n').map(sumLineName)).toEqual(names);
    }
  });

  it('are what sha256sum -c accepts, for names with every character it escapes', async () => {
    const names = ['rz_mk_prod-image.0.9.0.1.iso', 'back\\slash', 'line\nfeed', 'carriage\rreturn'];
    const sums: Sum[] = [];
    for (const name of names) {
      await writeFile(join(dir, name), name);
      sums.push({ name, sha256: sha256(name) });
    }
    await writeFile(join(dir, 'SUMS'), updateSums('', sums));
    const check = spawnSync('sha256sum', ['-c', '--strict', 'SUMS'], { cwd: dir, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout.split('\n').filter((l) => l.endsWith(': OK'))).toHaveLength(names.length);
  });

  it('a line sha256sum would refuse names nothing', () => {
    for (const line of [
      '',
      'hello',
      `${'a'.repeat(63)}  short`,
      `\\${'a'.repeat(64)}  bad\\qescape`,
      'SHA1 (x) = 00',
    ]) {
      expect(sumLineName(line)).toBeUndefined();
    }
  });
});

describe('updateSums', () => {
  const A = 'a'.repeat(64);
  const B = 'b'.repeat(64);
  const C = 'c'.repeat(64);

  it("replaces our names' lines in place, keeps every other line as it was, adds new names at the end", () => {
    const before = [
      `${A}  other.iso`,
      '# a comment sha256sum warns about',
      `${A} *mine.iso`,
      `SHA256 (tagged) = ${A}`,
      '',
    ];
    expect(
      updateSums(before.join('\n'), [
        { name: 'mine.iso', sha256: B },
        { name: 'new.iso', sha256: C },
      ]),
    ).toBe(
      [
        `${A}  other.iso`,
        '# a comment sha256sum warns about',
        `${B}  mine.iso`,
        `SHA256 (tagged) = ${A}`,
        `${C}  new.iso`,
        '',
      ].join('\n'),
    );
  });

  it('leaves one line per name: an earlier duplicate goes, a name given twice keeps the last', () => {
    const text = `${A}  x\n${B}  y\n${A}  x\n`;
    expect(
      updateSums(text, [
        { name: 'x', sha256: B },
        { name: 'x', sha256: C },
      ]),
    ).toBe(`${C}  x\n${B}  y\n`);
  });

  it('names each file exactly once, and keeps the lines of the files it was not given', () => {
    fc.assert(
      fc.property(fc.array(sum, { maxLength: 6 }), fc.array(sum, { maxLength: 6 }), (earlier, now) => {
        const text = updateSums(updateSums('', earlier), now);
        const lines = text.split('\n').slice(0, -1);
        const named = lines.map(sumLineName);
        const expected = new Map([...earlier, ...now].map((s) => [s.name, s.sha256]));
        expect(new Set(named)).toEqual(new Set(expected.keys()));
        expect(named).toHaveLength(expected.size);
        for (const line of lines) expect(line.includes(expected.get(sumLineName(line) ?? '') ?? '?')).toBe(true);
        expect(updateSums(text, now)).toBe(text);
      }),
    );
  });
});
