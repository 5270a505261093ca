import { UsageError } from '../errors.js';
import { quoted } from './quote.js';

const UNIT: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * A byte count as users write one: `1048576`, `512K`, `16M`, `2G`, `16MiB`
 * (binary units, any case). `KB`/`MB` are refused rather than guessed:
 * some tools read them as powers of 1000.
 */
export function parseSize(text: string): number {
  const match = /^(\d+) ?([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNIT[(match[2] ?? '').toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new UsageError(`expected a size like 512K, 16M or 2G (at least 1 byte), got ${quoted(text)}`);
  }
  return bytes;
}
