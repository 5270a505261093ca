import { quoted } from '../config/quote.js';
import { InputError, IntegrityError } from '../errors.js';
import type { IndexEntry } from './compact-index.js';
import type { GemRequest } from './gem-list.js';
import { formatRequirement, mentionsPrerelease, type Requirement, satisfiedBy } from './requirement.js';
import type { GemEntry, GemSource } from './source.js';
import { compareVersions, type Version } from './version.js';

/**
 * Picks the gems to download, like Razor's mirror script: for each request
 * the latest pure-Ruby version that satisfies it, then, breadth first, the
 * same for each runtime dependency of what was picked.
 *
 * A name is picked once, with every requirement known for it at that moment
 * (all gem.list lines are known before anything is picked, so duplicates in
 * gem.list are ANDed). A requirement that arrives after its gem was picked
 * and rejects the pick is a conflict: the resolver fails naming both sides
 * rather than backtracking, and the operator pins a version in gem.list.
 */

export interface ResolvedGem {
  readonly name: string;
  readonly version: string;
  /** SHA-256 of the `.gem` file according to the index; undefined only from an index without checksums (legacy). */
  readonly sha256: string | undefined;
  /** True when the source's index has no checksums (the legacy Marshal index). */
  readonly unverified: boolean;
  /** `NAME-VERSION.gem`. */
  readonly file: string;
  readonly url: string;
}

export interface ResolveOptions {
  /** Skip versions whose `ruby:` requirement rejects this Ruby. */
  readonly ruby?: Version;
  /** Skip versions whose `rubygems:` requirement rejects this RubyGems. */
  readonly rubygems?: Version;
  /**
   * The one version to take of each gem (a lockfile's), checked against the
   * requirements as any pick is; throws for a gem it has none for.
   */
  readonly lockedVersion?: (name: string) => string;
}

/** A requirement on a gem and who stated it (`gem.list:3`, `stomp 1.4.4`). */
export interface Need {
  readonly requirement: Requirement;
  readonly from: string;
}

export async function resolveGems(
  requests: readonly GemRequest[],
  source: GemSource,
  options: ResolveOptions = {},
): Promise<ResolvedGem[]> {
  const needs = new Map<string, Need[]>();
  const infos = new Map<string, Promise<GemEntry[]>>();
  const chosen = new Map<string, GemEntry>();

  const want = (name: string, need: Need): void => {
    const picked = chosen.get(name);
    if (picked) {
      if (!satisfiedBy(need.requirement, picked.version)) {
        throw conflict(name, picked, needs.get(name) ?? [], need);
      }
      return;
    }
    const known = needs.get(name);
    if (known) {
      known.push(need);
      return;
    }
    needs.set(name, [need]);
    // Start every index fetch as soon as the name is known; picks still happen in order.
    const info = source.entries(name);
    info.catch(() => undefined);
    infos.set(name, info);
  };

  for (const request of requests) want(request.name, request);
  const resolved: ResolvedGem[] = [];
  // Map iteration also visits the names want() adds during the loop: breadth first.
  for (const [name, info] of infos) {
    const all = await info;
    const locked = options.lockedVersion?.(name);
    const entries = locked === undefined ? all : all.filter((entry) => entry.version.text === locked);
    const wanted = needs.get(name) ?? [];
    const entry = pickVersion(entries, wanted, options);
    if (!entry) throw unsatisfiable(name, wanted, all, options, locked);
    const version = entry.version.text;
    if (!entry.sha256 && !entry.unverified) {
      throw new IntegrityError(`${source.indexUrl(name)} gives no checksum for ${name} ${version}`);
    }
    chosen.set(name, entry);
    const file = `${name}-${version}.gem`;
    resolved.push({
      name,
      version,
      sha256: entry.sha256,
      unverified: entry.unverified,
      file,
      url: source.gemUrl(file),
    });
    for (const dep of entry.dependencies) {
      want(dep.name, { requirement: dep.requirement, from: `${name} ${version}` });
    }
  }
  return resolved;
}

/**
 * The latest pure-Ruby entry that satisfies every need; prereleases only
 * when a requirement names one (RubyGems' Gem::Dependency rule). The
 * first of equal versions wins.
 */
export function pickVersion<E extends IndexEntry>(
  entries: readonly E[],
  needs: readonly Need[],
  options: ResolveOptions = {},
): E | undefined {
  const prereleaseOk = needs.some((n) => mentionsPrerelease(n.requirement));
  let best: E | undefined;
  for (const entry of entries) {
    if (entry.platform !== undefined || (entry.version.prerelease && !prereleaseOk)) continue;
    if (!needs.every((n) => satisfiedBy(n.requirement, entry.version))) continue;
    if (options.ruby && !satisfiedBy(entry.ruby, options.ruby)) continue;
    if (options.rubygems && !satisfiedBy(entry.rubygems, options.rubygems)) continue;
    if (!best || compareVersions(entry.version, best.version) > 0) best = entry;
  }
  return best;
}

function describe(needs: readonly Need[]): string {
  return needs.map((n) => `'${formatRequirement(n.requirement)}' (${n.from})`).join(' and ');
}

function conflict(name: string, picked: GemEntry, before: readonly Need[], after: Need): InputError {
  return new InputError(
    `gem conflict: ${name} ${picked.version.text} was picked for ${describe(before)} but ${after.from} needs ${name} '${formatRequirement(after.requirement)}'; pin a ${name} version that satisfies both in gem.list`,
  );
}

function unsatisfiable(
  name: string,
  needs: readonly Need[],
  entries: readonly IndexEntry[],
  options: ResolveOptions,
  locked: string | undefined,
): InputError {
  const limits = [
    locked !== undefined && `locked ${locked}`,
    'pure-Ruby',
    !needs.some((n) => mentionsPrerelease(n.requirement)) && 'non-prerelease',
    options.ruby && `ruby ${options.ruby.text}`,
    options.rubygems && `rubygems ${options.rubygems.text}`,
  ].filter(Boolean);
  const newest = [...entries]
    .sort((a, b) => compareVersions(b.version, a.version))
    .slice(0, 5)
    .map((e) => (e.platform ? `${e.version.text}-${quoted(e.platform)}` : e.version.text));
  const has = entries.length === 0 ? 'no versions' : `${entries.length} versions, newest ${newest.join(', ')}`;
  return new InputError(
    `no ${limits.join(', ')} version of ${name} satisfies ${describe(needs)}; the index has ${has}`,
  );
}
