import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { execa } from 'execa';
import type { BuildIsoOptions, BuiltIso } from '../../../src/iso/build.js';
import { REPO_ROOT } from '../../world/bootable/paths.js';

/**
 * Builds an ISO as `nobody` in a child node process (setpriv drops every
 * privilege, groups included). The TypeScript is bundled with esbuild into
 * the repository's git-ignored .cache/, so that mkbundle still finds its
 * package.json and node finds node_modules from there.
 */
export async function buildIsoAsNobody(options: BuildIsoOptions): Promise<BuiltIso> {
  const dir = join(REPO_ROOT, '.cache', 'iso-test');
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  const script = join(dir, `build-iso-${process.pid}.mjs`);
  try {
    await build({
      entryPoints: [new URL('./build-iso-cli.ts', import.meta.url).pathname],
      outfile: script,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
    });
    await chmod(script, 0o644);
    const run = await execa(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, script, JSON.stringify(options)],
      { reject: false, stdin: 'ignore' },
    );
    if (run.exitCode !== 0) throw new Error(`build as nobody failed (${run.exitCode}):\n${run.stderr}`);
    return JSON.parse(run.stdout) as BuiltIso;
  } finally {
    await rm(script, { force: true });
  }
}
