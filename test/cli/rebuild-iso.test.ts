import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/version.js';
import { runCli } from '../bundle/harness.js';

const run = promisify(execFile);
const ROOT = packageRoot();

let dir: string;
beforeAll(async () => {
  // The script alone, as it sits in an unpacked bundle.
  dir = await mkdtemp(join(tmpdir(), 'mk-rebuild-iso-'));
  await copyFile(join(ROOT, 'dist', 'mkbundle-iso.mjs'), join(dir, 'mkbundle-iso.mjs'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const script = (args: readonly string[]) =>
  run(process.execPath, [join(dir, 'mkbundle-iso.mjs'), ...args], { encoding: 'utf8' }).catch(
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

describe("the bundle's ISO stage (mkbundle-iso.mjs)", () => {
  it('carries none of the bundle stage and none of the commands that need it', async () => {
    const result = await build({
      entryPoints: [join(ROOT, 'src', 'cli', 'rebuild-iso.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((p) => relative(ROOT, join(ROOT, p)));
    const own = inputs.filter((p) => p.startsWith('src/'));
    expect(own).toContain('src/cli/iso-args.ts');
    // bundle.json's format is what the ISO stage reads of the bundle stage; URLs in its messages are redacted;
    // the --json error codes name a download failure's kind.
    const shared = ['src/bundle/manifest.ts', 'src/fetch/redact.ts', 'src/fetch/failure.ts', 'src/fetch/size-limit.ts'];
    const stage = own.filter((p) => !shared.includes(p));
    for (const folder of ['src/bundle/', 'src/fetch/', 'src/plan/', 'src/gems/', 'src/deb/', 'src/passwd/']) {
      expect(stage.filter((p) => p.startsWith(folder))).toEqual([]);
    }
    for (const file of ['main.ts', 'args.ts', 'program.ts', 'completion.ts', 'man.ts', 'inspect-command.ts']) {
      expect(own).not.toContain(`src/cli/${file}`);
    }
  });

  it('--help says what mkbundle iso --help says, for ./rebuild-iso', async () => {
    const help = await script(['--help']);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^Usage: rebuild-iso \[VERSION\] \[OPTIONS\]\n/);
    const iso = (await runCli(['iso', '--help'])).stdout;
    const from = (text: string) => text.slice(text.indexOf('\nOutput:\n'), text.indexOf('\nIn an unpacked bundle'));
    const options = from(iso);
    expect(options.length).toBeGreaterThan(100);
    expect(help.stdout).toContain(options);
  });

  it('-V names itself and the mkbundle it came with; a mistake is one line and where the help is', async () => {
    const version = await script(['-V']);
    expect(version.stdout).toMatch(/^rebuild-iso \(mkbundle \d+\.\d+\.\d+\)\n$/);
    const mistake = await script(['--ouput', 'x']);
    expect(mistake).toMatchObject({
      code: 1,
      stdout: '',
      stderr: "rebuild-iso: error: unknown option '--ouput' (did you mean '--out'?)\nsee './rebuild-iso --help'\n",
    });
  });
});
