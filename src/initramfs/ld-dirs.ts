import { posix } from 'node:path';
import { quoted } from '../config/quote.js';
import { InputError } from '../errors.js';
import { parseLdSoConf } from './ld-so-conf.js';
import { follow, type Tree } from './ld-tree.js';

/** A directory ldconfig scans. */
export interface LibDir {
  /** As written in ld.so.conf (or a trusted directory): the prefix of the cached paths. */
  readonly path: string;
  /** Where it really is inside the root, all links followed. */
  readonly canonical: string;
  /** A flag `DIR=TYPE` forces on plain-ELF libraries, undefined for none. */
  readonly libType: number | undefined;
}

/** Deeper than this, an `include` chain is taken for a loop (ldconfig itself would recurse until it crashes). */
const MAX_INCLUDE_DEPTH = 16;

/**
 * ldconfig's directory list: those named in the configuration file (and the
 * files it includes, in glob order), then the trusted ones; each directory
 * once, at its first position, with the type of its last mention. Missing
 * directories are left out.
 */
export async function libraryDirs(tree: Tree, config: string, trusted: readonly string[]): Promise<LibDir[]> {
  const dirs: { path: string; canonical: string; libType: number | undefined }[] = [];
  const add = async (path: string, libType: number | undefined) => {
    const found = await follow(tree, path);
    if (found?.node.kind !== 'dir') return;
    const known = dirs.find((d) => d.canonical === found.path);
    if (known === undefined) dirs.push({ path, canonical: found.path, libType });
    else known.libType = libType;
  };
  const parse = async (file: string, depth: number): Promise<void> => {
    if (depth > MAX_INCLUDE_DEPTH) throw new InputError(`${quoted(file)}: ld.so.conf includes nest too deep (a loop?)`);
    const found = await follow(tree, file);
    if (found?.node.kind !== 'file') return;
    for (const line of parseLdSoConf((await tree.readFile(found.path)).toString('utf8'))) {
      if (line.kind === 'dir') {
        await add(line.path, line.libType);
        continue;
      }
      for (const pattern of line.patterns) {
        const absolute = pattern.startsWith('/') ? pattern : posix.join(posix.dirname(file), pattern);
        for (const included of await glob(tree, absolute)) await parse(included, depth + 1);
      }
    }
  };
  await parse(config, 0);
  for (const dir of trusted) await add(dir, undefined);
  return dirs;
}

/**
 * The existing paths matching an absolute glob pattern (`*`, `?`, `[…]` per
 * component; hidden names only when the pattern says so), sorted as glob(3)
 * sorts them in the C locale.
 */
export async function glob(tree: Tree, pattern: string): Promise<string[]> {
  let candidates = [''];
  for (const component of pattern.split('/').filter(Boolean)) {
    const matcher = globMatcher(component);
    if (matcher === undefined) {
      candidates = candidates.map((c) => `${c}/${component}`);
      continue;
    }
    const next: string[] = [];
    for (const candidate of candidates) {
      const dir = await follow(tree, candidate || '/');
      if (dir?.node.kind !== 'dir') continue;
      for (const name of await tree.readdir(dir.path)) {
        if (matcher.test(name) && (!name.startsWith('.') || component.startsWith('.')))
          next.push(`${candidate}/${name}`);
      }
    }
    candidates = next;
  }
  const existing: string[] = [];
  for (const candidate of candidates) if ((await follow(tree, candidate)) !== undefined) existing.push(candidate);
  return existing.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** A regular expression for one glob component, undefined when it has no wildcard. */
function globMatcher(component: string): RegExp | undefined {
  let source = '';
  let wild = false;
  for (let i = 0; i < component.length; i++) {
    const c = component.charAt(i);
    const close = c === '[' ? component.indexOf(']', i + 2) : -1;
    if (c === '*' || c === '?') {
      source += c === '*' ? '.*' : '.';
      wild = true;
    } else if (close > 0) {
      const body = component.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      const set = (negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&');
      source += `[${negated ? '^' : ''}${set}]`;
      wild = true;
      i = close;
    } else if (c === '\\' && i + 1 < component.length) {
      source += literal(component.charAt(++i));
    } else {
      source += literal(c);
    }
  }
  return wild ? new RegExp(`^${source}$`, 's') : undefined;
}

function literal(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
