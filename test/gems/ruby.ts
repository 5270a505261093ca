import { execFileSync } from 'node:child_process';

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
