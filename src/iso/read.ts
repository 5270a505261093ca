import { execa } from 'execa';
import { ArchiveError } from '../errors.js';
import { requireTool } from '../tools/which.js';
import { withXorrisoProblem } from './xorriso.js';

/**
 * Copies a file or a whole directory out of an ISO image with xorriso (rootless: no mount, no
 * loop device). `inside` is the path in the image, e.g. `boot/core.gz`. The copies keep the
 * image's modes, which may be read-only.
 */
export async function extractFromIso(iso: string, inside: string, dest: string): Promise<void> {
  const xorriso = await requireTool('xorriso');
  const result = await execa(
    xorriso,
    ['-no_rc', '-abort_on', 'FAILURE', '-osirrox', 'on', '-indev', iso, '-extract', `/${inside}`, dest],
    { reject: false, stdin: 'ignore' },
  );
  if (result.exitCode !== 0) throw new ArchiveError(withXorrisoProblem(`${iso}: cannot read ${inside}`, result.stderr));
}
