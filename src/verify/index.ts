import { removeScratchDir, scratchDir } from '../cleanup.js';
import { quoted } from '../config/quote.js';
import { systemErrorAsInput } from '../errno.js';
import { InputError } from '../errors.js';
import { detect } from '../inspect/detect.js';
import { bundleReport } from './bundle.js';
import { isoReport } from './iso.js';
import type { VerifyReport } from './types.js';

export { formatVerify } from './format.js';
export type { VerifyReport } from './types.js';

/**
 * Checks a Microkernel ISO or bundle as Tiny Core will boot it: every
 * onboot extension and its `.dep` closure present with the right md5,
 * every `.dep` readable by tce-load, the manifest matching the initramfs
 * (ISO) or the files matching bundle.json (bundle), and every ELF file
 * finding its libraries in the image. Problems are reported, not thrown;
 * what cannot be read at all is an error as usual.
 */
export async function verify(path: string): Promise<VerifyReport> {
  const kind = await detect(path);
  if (kind !== 'iso' && kind !== 'bundle' && kind !== 'bundle-dir') {
    const is = kind === 'tcz' ? ' (it is a .tcz)' : kind === 'initramfs' ? ' (it is a core.gz)' : '';
    throw new InputError(`${quoted(path)} is not a bundle or an ISO${is}`);
  }
  const scratch = await scratchDir('verify');
  try {
    return kind === 'iso' ? await isoReport(path, scratch) : await bundleReport(path, scratch);
  } catch (error) {
    throw systemErrorAsInput(error);
  } finally {
    await removeScratchDir(scratch);
  }
}
