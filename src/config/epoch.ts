import { UsageError } from '../errors.js';
import { quoted } from './quote.js';

/** SOURCE_DATE_EPOCH (reproducible-builds.org): whole seconds, or undefined when unset. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`SOURCE_DATE_EPOCH: expected whole seconds, got ${quoted(value)}`);
  return Number(value);
}
