import { execa } from 'execa';
import { ArchiveError } from '../errors.js';
import { requireTool } from '../tools/which.js';

/**
 * Copies a file or a whole directory out of an ISO image with xorriso (rootless: no mount, no
 * loop device). `inside` is the path in the image, e.g. `boot/core.gz`.
 */
export async function extractFromIso(iso: string, inside: string, dest: string): Promise<void> {
  const xorriso = await requireTool('xorriso');
  const result = await execa(
    xorriso,
    ['-abort_on', 'FAILURE', '-osirrox', 'on', '-indev', iso, '-extract', `/${inside}`, dest],
    { reject: false, stdin: 'ignore' },
  );
  if (result.exitCode !== 0) {
    const reason = `${result.stderr}`
      .split('\n')
      .filter((l) => /FAILURE|SORRY|NOT FOUND|Cannot|not found/i.test(l))
      .slice(-1)[0];
    throw new ArchiveError(`${iso}: cannot read ${inside}${reason ? ` (${reason.trim()})` : ''}`);
  }
}
