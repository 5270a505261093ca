import { quoted } from '../config/quote.js';
import { SquashfsImage } from '../squashfs/index.js';
import { checkExtensions, type ExtensionsOptions } from './extensions.js';
import { checkLibraries } from './libraries.js';
import type { ImageScan } from './scan.js';

export interface ImageCheck {
  readonly problems: readonly string[];
  readonly extensions: number;
  readonly deps: number;
  readonly elfFiles: number;
}

/** Adds an extension's files to the root, as tce-load links them into / at boot (an earlier path stays). */
async function install(scan: ImageScan, image: SquashfsImage): Promise<void> {
  for (const entry of await image.list()) {
    if (entry.path === '') continue;
    if (entry.kind === 'dir') scan.root.add(entry.path, { kind: 'dir' });
    else if (entry.kind === 'symlink') scan.root.add(entry.path, { kind: 'symlink', target: entry.target ?? '' });
    else if (entry.kind === 'file') scan.root.add(entry.path, { kind: 'file', read: () => image.readFile(entry.path) });
    else scan.root.add(entry.path, { kind: 'other' });
  }
}

/**
 * The checks of a Microkernel's initramfs that do not depend on where it
 * came from: the builtin extensions and their lists, then the libraries of
 * every ELF file in the root the boot makes (the initramfs with the good
 * extensions installed over it).
 */
export async function checkImage(scan: ImageScan, options: ExtensionsOptions): Promise<ImageCheck> {
  const extensions = checkExtensions(scan, options);
  const problems = [...extensions.problems];
  const opened: SquashfsImage[] = [];
  try {
    for (const path of extensions.installed) {
      const copy = scan.tczs.get(path);
      if (copy === undefined) continue;
      try {
        const image = await SquashfsImage.open(copy);
        opened.push(image);
        await install(scan, image);
      } catch (error) {
        problems.push(
          `${quoted(path)} cannot be read as squashfs: ${(error as Error).message.replace(`${copy}: `, '')}`,
        );
      }
    }
    const libraries = await checkLibraries(scan.root, scan.elves);
    problems.push(...libraries.problems);
    return { problems, extensions: extensions.extensions, deps: extensions.deps, elfFiles: libraries.checked };
  } finally {
    await Promise.all(opened.map((image) => image.close()));
  }
}
