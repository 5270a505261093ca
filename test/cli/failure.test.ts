import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { failure } from '../../src/cli/iso-main.js';
import { FetchError, InputError, UsageError } from '../../src/errors.js';
import { RunRecord } from '../../src/output/record.js';
import { parseRunJson } from '../helpers/json-schema.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function map(error: unknown, argv: string[], record?: RunRecord) {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await failure(error, argv, { stdout, stderr, env: {} }, { help: 'mkbundle iso --help' }, record);
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

  it('adds where the help is to a usage error, not the whole usage', async () => {
    expect(await map(new UsageError('bad flag'), [])).toEqual({
      code: 1,
      stdout: '',
      stderr: "mkbundle: error: bad flag\nsee 'mkbundle iso --help'\n",
    });
  });

  it("gives a usage error the command's own status when it has one (diff: 2, as 1 says the two differ)", async () => {
    const stderr = new Sink();
    const io = { stdout: new Sink(), stderr, env: {} };
    expect(await failure(new UsageError('bad'), [], io, { help: 'mkbundle diff --help', exitCode: 2 })).toBe(2);
    expect(await failure(new FetchError('x'), [], io, { help: 'mkbundle diff --help', exitCode: 2 })).toBe(3);
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

  it('answers --json with one error document on stdout, holding what the run reported before', async () => {
    const record = new RunRecord('bundle');
    record.observe({ type: 'warning', message: 'unknown key X, ignored' });
    record.observe({ type: 'step', id: 'project-files', name: 'Microkernel project files' });
    record.observe({ type: 'step', id: 'download', name: 'downloads' });
    const result = await map(new InputError('list.lst:3: bad extension name'), ['--json'], record);
    expect(result.code).toBe(2);
    expect(parseRunJson(result.stdout)).toMatchObject({
      schema: 1,
      ok: false,
      exitCode: 2,
      command: 'bundle',
      error: { code: 'input', message: 'list.lst:3: bad extension name', step: 'download' },
      warnings: ['unknown key X, ignored'],
      outputs: [],
      steps: [{ id: 'project-files' }],
    });
    expect(result.stderr).toBe('mkbundle: list.lst:3: bad extension name\n');
  });

  it('--json: a usage error and an internal one are documents too, with their exit codes', async () => {
    const usage = await map(new UsageError('bad flag'), ['--json']);
    expect(parseRunJson(usage.stdout)).toMatchObject({ exitCode: 1, error: { code: 'usage', message: 'bad flag' } });
    const internal = await map(new TypeError('boom\x1b[2J'), ['--json']);
    expect(internal.code).toBe(70);
    expect(parseRunJson(internal.stdout)).toMatchObject({
      exitCode: 70,
      error: { code: 'internal', message: 'boom\\u{1b}[2J' },
    });
  });

  it('reports anything else as an internal error, exit 70', async () => {
    expect(await map(new TypeError('boom'), [])).toMatchObject({
      code: 70,
      stderr: 'mkbundle: internal error: boom\n',
    });
  });
});
