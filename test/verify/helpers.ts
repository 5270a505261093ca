import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { buildLib } from '../initramfs/ldcache-helpers.js';
import { reseal } from '../rebuild/helpers.js';

/** A copy of the unpacked bundle `clean` at `to`, changed by `edit`. */
export async function variant(clean: string, to: string, edit: (bundle: string) => Promise<void>): Promise<string> {
  await cp(clean, to, { recursive: true });
  await edit(to);
  return to;
}

/**
 * Changes a dependency tarball of an unpacked bundle: unpacked with GNU tar,
 * edited as a directory, packed again root-owned, and resealed in
 * bundle.json as the bundle stage would have recorded it.
 */
export async function editTarball(
  bundle: string,
  tarball: string,
  edit: (root: string) => Promise<void>,
): Promise<void> {
  const root = await mkdtemp(join(dirname(bundle), 'tarball-'));
  try {
    const file = join(bundle, tarball);
    execFileSync('tar', ['xzf', file, '-C', root]);
    await edit(root);
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-czf', file, '-C', root, '.']);
    await reseal(bundle, tarball);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Writes `data` at `path` under `root`, making its directories. */
export async function put(root: string, path: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), data);
}

/** The loader stand-in and the library the test executable links: real ELF shared objects built by gcc. */
export interface ProbeFiles {
  readonly interpreter: Buffer;
  readonly library: Buffer;
  /** A position-independent executable that needs `libprobe.so.1` and `/lib/ld-linux-x86-64.so.2`. */
  readonly executable: Buffer;
}

export const PROBE_LIB = 'libprobe.so.1';
export const PROBE_INTERPRETER = '/lib/ld-linux-x86-64.so.2';

export async function buildProbe(workDir: string): Promise<ProbeFiles> {
  const dir = await mkdtemp(join(workDir, 'probe-'));
  const library = join(dir, PROBE_LIB);
  const interpreter = join(dir, 'ld-linux-x86-64.so.2');
  await buildLib(library, { soname: PROBE_LIB });
  await buildLib(interpreter, { soname: 'ld-linux-x86-64.so.2' });
  const source = join(dir, 'main.c');
  await writeFile(
    source,
    'extern int mkbundle_test_symbol(void);\nvoid _start(void) { mkbundle_test_symbol(); for (;;); }\n',
  );
  const executable = join(dir, 'probe');
  await execa('gcc', ['-nostdlib', '-o', executable, source, library, `-Wl,--dynamic-linker=${PROBE_INTERPRETER}`]);
  return {
    interpreter: await readFile(interpreter),
    library: await readFile(library),
    executable: await readFile(executable),
  };
}
