/**
 * `npm run demo`: the main job end to end with no internet. It serves the
 * embedded test world (a Tiny Core-shaped mirror with a Core ISO that really
 * boots, a gem server, the MCollective and RubyGems tarballs) on 127.0.0.1,
 * builds a prod bundle and its ISO with the mkbundle command, and boots the
 * ISO in QEMU to show what the Microkernel does.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { packageRoot } from '../src/version.js';
import { bootIso } from '../test/world/bootable/qemu.js';
import { startWorld } from '../test/world/index.js';

const root = packageRoot();
const out = join(root, 'build-files');
const bin = join(root, 'dist', 'src', 'cli', 'bin.js');
const VERSION = '0.9.0.1';

/** Runs the mkbundle command; asynchronously, as the world's server lives in this process. */
async function mkbundle(args: readonly string[]): Promise<void> {
  console.log(`\n$ mkbundle ${args.join(' ')}`);
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: 'inherit',
    env: { ...process.env, XDG_CACHE_HOME: join(root, '.cache', 'demo') },
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) process.exit(code ?? 1);
}

console.log('Starting the test world (a Tiny Core mirror, a gem server, tarballs) on 127.0.0.1 …');
const world = await startWorld(join(root, '.cache', 'demo', 'world'), { bootable: true });
try {
  await mkbundle(['-b', world.builtinList, '-m', world.mirrorList, '-p', ...world.flags, '--out', out]);
  await mkbundle(['iso', join(out, 'razor-microkernel-bundle-prod.tar.gz'), VERSION, '--out', out]);
} finally {
  await world.close();
}

const iso = join(out, `rz_mk_prod-image.${VERSION}.iso`);
console.log("\nBooting the ISO in QEMU under Tiny Core's own boot scripts (software emulation, about 20 s) …");
const boot = await bootIso(iso);
// The world's report, read from the booted state after tc-config: what tce-load installed and mounted, and more.
for (const marker of boot.markers) console.log(`  ${marker}`);
console.log(`\nThe Microkernel booted in ${(boot.durationMs / 1000).toFixed(1)} s.`);
console.log(`ISO:    ${iso}`);
console.log(`bundle: ${join(out, 'razor-microkernel-bundle-prod.tar.gz')}`);
