import { mkdtempSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorText, systemErrorAsInput } from '../src/errno.js';
import { InputError } from '../src/errors.js';

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

describe('errorText', () => {
  it('gives the reason without code, syscall or path', () => {
    expect(errorText(thrown(() => readFileSync('/no/such/file')))).toBe('no such file or directory');
    expect(errorText(thrown(() => openSync(tmpdir(), 'w')))).toBe('is a directory');
    expect(errorText(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))).toBe(
      'no space left on device',
    );
  });

  it("takes libuv's text for a code it has no words of its own for, and a plain message as it is", () => {
    expect(errorText(Object.assign(new Error('ESPIPE: invalid seek, lseek'), { code: 'ESPIPE' }))).toBe('invalid seek');
    expect(errorText(new Error('something else'))).toBe('something else');
    expect(errorText('a string')).toBe('a string');
  });
});

describe('systemErrorAsInput', () => {
  it('names the destination of a failed rename, and says "cannot write" for a full disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mk-errno-'));
    const error = systemErrorAsInput(thrown(() => renameSync(join(dir, 'a'), join(dir, 'b'))));
    rmSync(dir, { recursive: true });
    expect(error).toEqual(new InputError(`${join(dir, 'b')}: no such file or directory`));
    const full = Object.assign(new Error('ENOSPC: no space left on device, copyfile'), {
      code: 'ENOSPC',
      syscall: 'copyfile',
      path: '/a',
      dest: '/t/b',
    });
    expect(systemErrorAsInput(full)).toEqual(new InputError('cannot write /t/b: no space left on device'));
    const write = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
    });
    expect(systemErrorAsInput(write, 'write the ISO')).toEqual(
      new InputError("while 'write the ISO': no space left on device"),
    );
  });

  it('leaves other errors alone', () => {
    const error = new Error('a bug');
    expect(systemErrorAsInput(error)).toBe(error);
  });
});
