import { quoted } from '../config/quote.js';
import { InputError } from '../errors.js';
import { bump, compareVersions, parseVersion, release, VERSION_PATTERN, type Version, WS } from './version.js';

/**
 * Gem::Requirement semantics (lib/rubygems/requirement.rb).
 *
 * `satisfiedBy` is the pure comparison, as in RubyGems: `>= 1.0` is satisfied
 * by `2.0.rc1`. Skipping prereleases unless the request mentions one is
 * Gem::Dependency's rule in RubyGems and lives in the resolver here.
 */

// Longer operators first so the pattern never reads `>=` as `>` then `=1.0`.
const OPERATORS = ['~>', '!=', '>=', '<=', '=', '>', '<'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Constraint {
  readonly op: Operator;
  readonly version: Version;
}

/** All constraints must hold; an empty list means any version (`>= 0`). */
export interface Requirement {
  readonly constraints: readonly Constraint[];
}

export const ANY: Requirement = { constraints: [] };

const CONSTRAINT = new RegExp(`^${WS}*(${OPERATORS.join('|')})?${WS}*(${VERSION_PATTERN})${WS}*$`);
const isOperator = (text: string): text is Operator => (OPERATORS as readonly string[]).includes(text);

/**
 * Parses one or more constraints joined by `,` (gemspec and gem.list style)
 * or `&` (compact index style); a bare version means `=`.
 */
export function parseRequirement(text: string): Requirement {
  const constraints = text.split(/[,&]/).map((part) => {
    const match = CONSTRAINT.exec(part);
    const op = match?.[1] ?? '=';
    if (!match?.[2] || !isOperator(op)) throw new InputError(`malformed requirement ${quoted(text)}`);
    return { op, version: parseVersion(match[2]) };
  });
  return { constraints };
}

export function formatRequirement(requirement: Requirement): string {
  if (requirement.constraints.length === 0) return '>= 0';
  return requirement.constraints.map((c) => `${c.op} ${c.version.text}`).join(', ');
}

/** Both requirements at once. */
export function intersect(a: Requirement, b: Requirement): Requirement {
  return { constraints: [...a.constraints, ...b.constraints] };
}

export function satisfiedBy(requirement: Requirement, version: Version): boolean {
  return requirement.constraints.every((c) => holds(c, version));
}

function holds({ op, version: r }: Constraint, v: Version): boolean {
  const order = compareVersions(v, r);
  switch (op) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    case '>=':
      return order >= 0;
    case '<=':
      return order <= 0;
    case '~>':
      return order >= 0 && compareVersions(release(v), bump(r)) < 0;
  }
}

/** True when a constraint names a prerelease, which is how a request asks for prereleases. */
export function mentionsPrerelease(requirement: Requirement): boolean {
  return requirement.constraints.some((c) => c.version.prerelease);
}
