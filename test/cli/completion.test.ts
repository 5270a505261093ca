import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/version.js';

const run = promisify(execFile);
const BIN = join(packageRoot(), 'dist', 'src', 'cli', 'bin.js');

let dir: string;
let script: string;
const env = () => ({ PATH: `${dir}:${process.env.PATH}`, SHELL: '/bin/bash', HOME: dir });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-completion-'));
  // The script calls `mkbundle` by name: the built CLI, on PATH.
  const shim = join(dir, 'mkbundle');
  await writeFile(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
  await chmod(shim, 0o755);
  script = join(dir, 'completion.bash');
  const { stdout } = await run('mkbundle', ['completion'], { env: env() });
  await writeFile(script, stdout);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** What bash offers after `words` (the last one being typed), through the script's own function. */
async function complete(...words: string[]): Promise<string[]> {
  const program = [
    'source "$1"; shift',
    'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))',
    '_mkbundle_yargs_completions',
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join('\n');
  const { stdout } = await run('bash', ['-c', program, 'bash', script, ...words], { env: env() });
  return stdout.split('\n').filter(Boolean);
}

describe('mkbundle completion, sourced by bash', () => {
  it('registers completion for mkbundle', async () => {
    const { stdout } = await run('bash', ['-c', 'source "$1"; complete -p mkbundle', 'bash', script], { env: env() });
    expect(stdout).toContain('-F _mkbundle_yargs_completions mkbundle');
  });

  it('completes command names where a command goes, and after help', async () => {
    expect(await complete('mkbundle', 'i')).toEqual(['iso', 'inspect']);
    expect(await complete('mkbundle', 'help', 'd')).toEqual(['diff']);
  });

  it("completes the typed command's options, or the default command's", async () => {
    expect(await complete('mkbundle', 'iso', 'b.tar.gz', '--c')).toEqual(['--compress']);
    expect(await complete('mkbundle', '--no-d')).toEqual(['--no-deps']);
    expect(await complete('mkbundle', '--build-')).toEqual(['--build-prod-image', '--build-debug-image']);
    expect(await complete('mkbundle', 'iso', '--build-')).toEqual([]);
  });

  it("completes an option's choices, and leaves file names to the shell", async () => {
    expect(await complete('mkbundle', 'iso', 'b.tar.gz', '--compress', '')).toEqual([
      'libdeflate',
      'max',
      'advdef',
      'gzip',
    ]);
    expect(await complete('mkbundle', '--era', '20')).toEqual(['2012', '2013']);
    expect(await complete('mkbundle', '-b', '')).toEqual([]);
    expect(await complete('mkbundle', 'inspect', '')).toEqual([]);
  });
});
