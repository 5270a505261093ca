import { quoted } from '../config/quote.js';
import { InputError, MkbundleError } from '../errors.js';
import { ANY, parseRequirement, type Requirement } from './requirement.js';

/** One gem the operator asked for, with where it was asked (for messages). */
export interface GemRequest {
  readonly name: string;
  readonly requirement: Requirement;
  /** `FILE:LINE`, or another label naming who asked. */
  readonly from: string;
}

// RubyGems' VALID_NAME_PATTERN, minus names that start with `.`, `-` or `_`.
export const GEM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Parses Razor's `opt/gems/gem.list`: one gem per line, a name then an
 * optional requirement (`json_pure  >= 1.7.7`, `rake 10.0.3`,
 * `thor >= 0.18, < 2`). Blank lines and `#` comments are skipped.
 */
export function parseGemList(text: string, file: string): GemRequest[] {
  const requests: GemRequest[] = [];
  text.split('\n').forEach((raw, index) => {
    const from = `${file}:${index + 1}`;
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const [name = '', ...rest] = line.split(/\s+/);
    if (!GEM_NAME.test(name)) throw new InputError(`${from}: ${quoted(name)} is not a gem name`);
    requests.push({ name, requirement: rest.length === 0 ? ANY : lineRequirement(rest.join(' '), from), from });
  });
  return requests;
}

function lineRequirement(text: string, from: string): Requirement {
  try {
    return parseRequirement(text);
  } catch (error) {
    if (error instanceof MkbundleError) throw new InputError(`${from}: ${error.message}`, { cause: error });
    throw error;
  }
}
