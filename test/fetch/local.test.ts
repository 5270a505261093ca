import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { type HttpError, isNotFound, isOverLimit } from '../../src/fetch/failure.js';
import { createHttpClient } from '../../src/fetch/http.js';

const BODY = Buffer.alloc(70_000, 'squashfs ');
let dir: string;
const http = createHttpClient({ version: 'test' });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-local-'));
  await mkdir(join(dir, 'tcz', 'sub.tcz'), { recursive: true });
  await writeFile(join(dir, 'tcz', 'x.tcz'), BODY);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const url = (name: string) => pathToFileURL(join(dir, 'tcz', name)).href;
const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('it succeeded'),
    (error: unknown) => error,
  );

describe('file: URLs through the download client', () => {
  it('copies the file, hashing it as a download is, with progress, and makes no request', async () => {
    const dest = join(dir, 'out');
    const seen: number[] = [];
    const result = await http.download(url('x.tcz'), dest, { onProgress: (done) => seen.push(done) });
    expect(await readFile(dest)).toEqual(BODY);
    expect(result).toEqual({
      notModified: false,
      digests: {
        sha256: createHash('sha256').update(BODY).digest('hex'),
        md5: createHash('md5').update(BODY).digest('hex'),
        size: BODY.length,
      },
      validators: {},
    });
    expect(seen.at(-1)).toBe(BODY.length);
    expect(http.stats().requests).toBe(0);
  });

  it("treats a missing file as the mirror's 404, named by its path", async () => {
    const error = await failure(http.download(url('none.tcz.dep'), join(dir, 'out2')));
    expect(isNotFound(error)).toBe(true);
    expect((error as HttpError).message).toBe(`'${join(dir, 'tcz', 'none.tcz.dep')}': no such file`);
  });

  it('refuses a directory as an input (exit 2), and a file over the limit as a download over it', async () => {
    const error = await failure(http.download(url('sub.tcz'), join(dir, 'out3')));
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`'${join(dir, 'tcz', 'sub.tcz')}': not a regular file`);
    const limit = { kind: 'payload', bytes: 1000 } as const;
    const over = await failure(http.download(url('x.tcz'), join(dir, 'out4'), { limit }));
    expect(isOverLimit(over)).toBe(true);
    expect((over as Error).message).toMatch(/^'.*x\.tcz': announced 68\.4 KiB, larger than the 1000 B limit/);
  });
});
