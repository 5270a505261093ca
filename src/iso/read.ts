import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { ArchiveError, InputError } from '../errors.js';
import { requireTool } from '../tools/which.js';
import { diskFullReason, withXorrisoProblem, xorrisoProblem } from './xorriso.js';

/** xorriso's line when a file it copies out could not be written to disk. */
const DISK_WRITE = /Cannot write all bytes to disk filesystem path '([^']*)'/;

/** True when the file system holding `dir` has no block left (xorriso names the wrong errno for a full disk). */
async function isFull(dir: string): Promise<boolean> {
  return statfs(dir).then(
    (s) => s.bavail === 0,
    () => false,
  );
}

/**
 * Copies a file or a whole directory out of an ISO image with xorriso (rootless: no mount, no
 * loop device). `inside` is the path in the image, e.g. `boot/core.gz`. The copies keep the
 * image's modes, which may be read-only. A copy that cannot be written is an InputError naming it.
 */
export async function extractFromIso(iso: string, inside: string, dest: string): Promise<void> {
  const xorriso = await requireTool('xorriso');
  const result = await execa(
    xorriso,
    ['-no_rc', '-abort_on', 'FAILURE', '-osirrox', 'on', '-indev', iso, '-extract', `/${inside}`, dest],
    { reject: false, stdin: 'ignore' },
  );
  if (result.exitCode === 0) return;
  const { stderr } = result;
  const failed = DISK_WRITE.exec(stderr)?.[1];
  const full =
    diskFullReason(stderr) ??
    (failed !== undefined && (await isFull(dirname(dest))) ? 'no space left on device' : undefined);
  if (full !== undefined) throw new InputError(`cannot write ${failed ?? dest}: ${full}`);
  if (failed !== undefined)
    throw new InputError(`cannot write ${failed}: ${xorrisoProblem(stderr) ?? 'xorriso failed'}`);
  throw new ArchiveError(withXorrisoProblem(`${iso}: cannot read ${inside}`, stderr));
}
