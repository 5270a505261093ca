import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { execa } from 'execa';

/** Runs a Ruby script (Debian's ruby, the peer for anything RubyGems) with `input` on stdin; returns stdout. */
export function ruby(script: string, input: Buffer | string = '', env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('ruby', ['-e', script], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
}

/** Runs one Ruby script over many binary inputs at once (hex lines in, the script prints hex lines out). */
export function rubyEach(script: string, inputs: readonly Uint8Array[]): Buffer[] {
  const lines = inputs.map((input) => Buffer.from(input).toString('hex')).join('\n');
  const wrapped = `STDIN.read.split("\\n").each { |hex| data = [hex].pack('H*'); out = (${script}); puts out.unpack1('H*') }`;
  const out = ruby(wrapped, `${lines}\n`);
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => Buffer.from(line, 'hex'));
}

/**
 * Debian's `gem` with a HOME and GEM_HOME of its own under `home` and no
 * proxy, so only the loopback sources a test names reach it.
 */
export function gemIn(home: string): (...args: string[]) => Promise<{ readonly stdout: string }> {
  const env = { HOME: home, GEM_HOME: join(home, 'gem-home'), http_proxy: '', https_proxy: '' };
  return async (...args) => ({ stdout: (await execa('gem', args, { env })).stdout });
}

/** `gem install` arguments for `names` from `source` alone into `installDir`. */
export function gemInstallArgs(source: string, installDir: string, names: readonly string[]): string[] {
  return ['install', '--clear-sources', '--source', source, '--install-dir', installDir, '--no-document', ...names];
}
