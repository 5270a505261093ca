import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Flavour } from '../config/flavour.js';
import { InputError } from '../errors.js';
import { appliesTo, type Destination, isPattern, matchesPattern, type ProfileRule } from './profile.js';

/** A file of the Microkernel source tree and where the profile puts it. */
export interface SourceFile {
  readonly source: string;
  readonly dest: Destination;
  readonly path: string;
  readonly mode: number;
  readonly mtime: number;
  readonly size: number;
}

async function statFile(path: string): Promise<Stats | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info : undefined;
  } catch {
    return undefined;
  }
}

async function patternMatches(sourceDir: string, rule: ProfileRule, flavour: Flavour): Promise<string[]> {
  const slash = rule.from.lastIndexOf('/');
  const dir = slash === -1 ? '' : rule.from.slice(0, slash);
  let names: string[];
  try {
    names = await readdir(join(sourceDir, dir));
  } catch {
    return [];
  }
  const excluded = rule.exclude?.[flavour] ?? [];
  return names
    .filter((name) => matchesPattern(rule.from, name) && !excluded.includes(name))
    .sort()
    .map((name) => (dir === '' ? name : `${dir}/${name}`));
}

function toFile(source: string, rule: ProfileRule, path: string, info: Stats): SourceFile {
  const mode = (info.mode & 0o7777) | (rule.addMode ?? 0);
  return { source, dest: rule.dest, path, mode, mtime: Math.floor(info.mtimeMs / 1000), size: info.size };
}

/**
 * Finds every file the profile names in the source tree. All missing
 * required files are reported together, in one error.
 */
export async function collectSourceFiles(
  sourceDir: string,
  rules: readonly ProfileRule[],
  flavour: Flavour,
): Promise<SourceFile[]> {
  const byTarget = new Map<string, SourceFile>();
  const missing: string[] = [];
  for (const rule of rules.filter((r) => appliesTo(r, flavour))) {
    const froms = isPattern(rule) ? await patternMatches(sourceDir, rule, flavour) : [rule.from];
    let found = 0;
    for (const from of froms) {
      const source = join(sourceDir, from);
      const info = await statFile(source);
      if (!info) continue;
      found += 1;
      const name = from.slice(from.lastIndexOf('/') + 1);
      const path = isPattern(rule) ? `${rule.to}${name}` : rule.to;
      byTarget.set(`${rule.dest}:${path}`, toFile(source, rule, path, info));
    }
    if (found === 0 && rule.need === 'required') missing.push(rule.from);
  }
  if (missing.length > 0) {
    throw new InputError(`${sourceDir}: not a Microkernel project tree, missing ${missing.join(', ')}`);
  }
  return [...byTarget.values()];
}
