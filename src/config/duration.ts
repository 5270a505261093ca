import { UsageError } from '../errors.js';
import { quoted } from './quote.js';

const SECOND = 1000;

const UNIT: Readonly<Record<string, number>> = {
  s: SECOND,
  m: 60 * SECOND,
  h: 60 * 60 * SECOND,
  d: 24 * 60 * 60 * SECOND,
  w: 7 * 24 * 60 * 60 * SECOND,
};

/**
 * A length of time as users write one, in milliseconds: `45s`, `90m`,
 * `12h`, `30d`, `2w`; one whole number and one unit. Units are lower-case
 * only, and a bare number is refused: `1M` could be a month and `30` any
 * unit, and a guess here decides what `cache prune` deletes. `0s` is
 * allowed (every entry no run is using).
 */
export function parseDuration(text: string): number {
  const match = /^(\d+) ?([smhdw])$/.exec(text.trim());
  const unit = match ? UNIT[match[2] ?? ''] : undefined;
  const ms = match && unit !== undefined ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(ms)) {
    throw new UsageError(`expected a duration like 30d, 12h or 90m (units s, m, h, d, w), got ${quoted(text)}`);
  }
  return ms;
}

const NAMES: readonly (readonly [string, number])[] = [
  ['w', UNIT.w as number],
  ['d', UNIT.d as number],
  ['h', UNIT.h as number],
  ['m', UNIT.m as number],
  ['s', SECOND],
];

/** `30d`, `90m`, `2w`: in the largest unit that divides it, as parseDuration reads it; `1500ms` when not whole seconds. */
export function formatDuration(ms: number): string {
  for (const [name, unit] of NAMES) if (ms >= unit && ms % unit === 0) return `${ms / unit}${name}`;
  return ms === 0 ? '0s' : `${ms}ms`;
}
