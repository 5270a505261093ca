import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArMember, readAr } from '../../src/deb/ar.js';
import { ArchiveError } from '../../src/errors.js';
import { pseudoRandom } from '../squashfs/helpers/bytes.js';
import { run } from '../squashfs/helpers/run.js';
import { arArchive, type RawMember } from './helpers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-ar-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Read {
  name: string;
  size: number;
  data: Buffer;
}

async function readAll(source: string | Buffer, skipBodies = false): Promise<Read[]> {
  const input = typeof source === 'string' ? source : Readable.from([source]);
  const out: Read[] = [];
  for await (const member of readAr(input, { name: 'test.a' })) {
    out.push({ name: member.name, size: member.size, data: skipBodies ? Buffer.alloc(0) : await body(member) });
  }
  return out;
}

async function body(member: ArMember): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of member.open()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('readAr against GNU ar', () => {
  it('reads short and long (// table) names, odd sizes and skips the symbol table', async () => {
    const names = [
      'debian-binary',
      'odd',
      'exactly15chars_',
      'a-member-name-longer-than-fifteen.txt',
      'another.long.name.here',
    ];
    const files = names.map((name, i) => ({ name, data: pseudoRandom(i * 37 + 1, i) }));
    for (const file of files) await writeFile(join(dir, file.name), file.data);
    await writeFile(join(dir, 'sym.c'), 'int mkbundle_symbol(void) { return 42; }\n');
    await run('gcc', ['-c', '-o', join(dir, 'sym.o'), join(dir, 'sym.c')]);
    const archive = join(dir, 'gnu.a');
    await run('sh', ['-c', 'cd "$0" && ar rcs gnu.a sym.o "$@"', dir, ...names]);
    const raw = await readFile(archive);
    expect(raw.includes(`//${' '.repeat(14)}`)).toBe(true);
    expect(raw.subarray(8, 10).toString()).toBe('/ ');

    const got = await readAll(archive);
    const listed = (await run('ar', ['t', archive])).trim().split('\n');
    expect(got.map((m) => m.name)).toEqual(listed);
    for (const file of files) {
      const member = got.find((m) => m.name === file.name);
      expect(member?.data.equals(file.data), file.name).toBe(true);
      expect(member?.size).toBe(file.data.length);
    }
  });

  it('skips bodies that are not read', async () => {
    const archive = join(dir, 'gnu.a');
    expect((await readAll(archive, true)).map((m) => m.name)).toEqual(
      (await run('ar', ['t', archive])).trim().split('\n'),
    );
  });

  it('reads what it is given for any names and bodies (property)', async () => {
    const name = fc
      .stringMatching(/^[A-Za-z0-9._+-]{1,40}$/)
      .filter((n) => n !== '.' && n !== '..' && !n.startsWith('/'));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name, data: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 6 }),
        async (list) => {
          // GNU style: short names end in '/', long ones live in the // table.
          let table = '';
          const members: RawMember[] = [];
          for (const { name: n, data } of list) {
            if (n.length <= 15) members.push({ header: `${n}/`, data: Buffer.from(data) });
            else {
              members.push({ header: `/${table.length}`, data: Buffer.from(data) });
              table += `${n}/\n`;
            }
          }
          const all = table === '' ? members : [{ header: '//', data: Buffer.from(table) }, ...members];
          const got = await readAll(arArchive(all));
          expect(got.map((m) => m.name)).toEqual(list.map((m) => m.name));
          got.forEach((m, i) => {
            expect(m.data.equals(Buffer.from(list[i]?.data ?? []))).toBe(true);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('readAr refuses malformed and hostile archives', () => {
  const good: RawMember = { header: 'debian-binary', data: Buffer.from('2.0\n') };
  const cases: [string, Buffer, string][] = [
    ['a non-archive', Buffer.from('hello, world\n'), 'test.a: not an ar archive'],
    ['an empty file', Buffer.alloc(0), 'test.a: not an ar archive'],
    ['a thin archive', Buffer.from('!<thin>\n'), 'test.a: thin ar archives are not supported'],
    [
      'a bad header end',
      Buffer.concat([arArchive([good]).subarray(0, 66), Buffer.from('XX'), Buffer.alloc(4)]),
      'test.a: bad member header at byte 8',
    ],
    ['a cut header', arArchive([good]).subarray(0, 40), 'test.a: truncated member header at byte 8'],
    [
      'a bad size',
      arArchive([{ ...good, size: '12x' }]),
      "test.a: 'debian-binary': bad size '12x' in member header at byte 8",
    ],
    ['a negative size', arArchive([{ ...good, size: '-4' }]), "bad size '-4'"],
    ['a size past the end', arArchive([{ ...good, size: '400' }]), "test.a: 'debian-binary': archive is truncated"],
    [
      'a missing pad byte',
      arArchive([{ header: 'odd', data: Buffer.from('abc') }]).subarray(0, 71),
      "test.a: 'odd': archive is truncated",
    ],
    ['a slash in a name', arArchive([{ header: 'a/b/', data: Buffer.alloc(0) }]), "test.a: 'a/b': bad member name"],
    ['a dot-dot name', arArchive([{ header: '../', data: Buffer.alloc(0) }]), "test.a: '..': bad member name"],
    [
      'a control byte in a name',
      arArchive([{ header: 'a\u0001b', data: Buffer.alloc(0) }]),
      "test.a: 'a\\u{1}b': bad member name",
    ],
    [
      'a long name without table',
      arArchive([{ header: '/0', data: Buffer.alloc(0) }]),
      "test.a: '/0': long-name reference without a // table",
    ],
    [
      'a long name out of range',
      arArchive([
        { header: '//', data: Buffer.from('long-name-here/\n') },
        { header: '/99', data: Buffer.alloc(0) },
      ]),
      "test.a: '/99': long-name reference out of range",
    ],
    [
      'a long name with a slash',
      arArchive([
        { header: '//', data: Buffer.from('../../etc/passwd/\n') },
        { header: '/0', data: Buffer.alloc(0) },
      ]),
      "test.a: '../../etc/passwd': bad member name",
    ],
    [
      'a BSD long name',
      arArchive([{ header: '#1/20', data: Buffer.alloc(20) }]),
      "test.a: '#1/20': BSD long member names are not supported",
    ],
    [
      'an oversized name table',
      arArchive([{ header: '//', data: Buffer.alloc(4), size: '9999999' }]),
      "test.a: '//': oversized long-name table",
    ],
  ];

  it.each(cases)('%s', async (_name, archive, message) => {
    const error = await readAll(archive).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('names a file it cannot open', async () => {
    const missing = join(dir, 'missing.deb');
    const error = await (async () => {
      for await (const _ of readAr(missing)) break;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as Error).message).toBe(
      `${missing}: cannot read archive: ENOENT: no such file or directory, open '${missing}'`,
    );
  });
});
