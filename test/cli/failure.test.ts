import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { failure } from '../../src/cli/iso-main.js';
import { FetchError, InputError, UsageError } from '../../src/errors.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function map(error: unknown, argv: string[]) {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await failure(error, argv, { stdout, stderr, env: {} }, async () => 'USAGE');
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('failure', () => {
  it('prints one line and the exit status of the error class', async () => {
    expect(await map(new FetchError('GET http://x/y: 404 Not Found'), [])).toEqual({
      code: 3,
      stdout: '',
      stderr: 'mkbundle: GET http://x/y: 404 Not Found\n',
    });
  });

  it('adds the usage to a usage error', async () => {
    expect((await map(new UsageError('bad flag'), [])).stderr).toBe('mkbundle: error: bad flag\n\nUSAGE\n');
  });

  it('shows the cause chain only with -v', async () => {
    const error = new InputError('cannot write out.iso', {
      cause: new Error('EACCES', { cause: new Error('deeper') }),
    });
    expect((await map(error, [])).stderr).toBe('mkbundle: cannot write out.iso\n');
    expect((await map(error, ['-v'])).stderr).toBe(
      'mkbundle: cannot write out.iso\n  caused by: EACCES\n  caused by: deeper\n',
    );
  });

  it('answers --json with a JSON error on stdout', async () => {
    const result = await map(new InputError('list.lst:3: bad extension name'), ['--json']);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: 'list.lst:3: bad extension name',
      kind: 'InputError',
    });
    expect(result.code).toBe(2);
  });

  it('reports anything else as an internal error, exit 70', async () => {
    expect(await map(new TypeError('boom'), [])).toMatchObject({
      code: 70,
      stderr: 'mkbundle: internal error: boom\n',
    });
  });
});
