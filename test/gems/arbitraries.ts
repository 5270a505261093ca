import fc from 'fast-check';

/** A numeric segment, small or far beyond 2^53, sometimes with leading zeros. */
export const digits = fc.oneof(
  fc.integer({ min: 0, max: 12 }).map(String),
  fc.bigInt({ min: 0n, max: 10n ** 24n }).map(String),
  fc.constantFrom('0', '00', '01', '007'),
);

const letters = fc.constantFrom('a', 'b', 'rc', 'rc1', 'pre', 'beta2', 'B', 'alpha', '0a', '1b2', 'Z');

/** Version text RubyGems accepts: numeric head, alphanumeric segments, an optional `-` part. */
export const versionText = fc
  .tuple(
    digits,
    fc.array(fc.oneof(digits, letters), { maxLength: 4 }),
    fc.option(fc.array(fc.constantFrom('1', 'a', 'x-y', 'rc2', '0'), { minLength: 1, maxLength: 2 }), {
      nil: undefined,
    }),
  )
  .map(([head, rest, pre]) => [head, ...rest].join('.') + (pre ? `-${pre.join('.')}` : ''));

/** Versions without letters. */
export const releaseText = fc
  .array(fc.oneof(digits, fc.integer({ min: 0, max: 3 }).map(String)), { minLength: 1, maxLength: 5 })
  .map((segments) => segments.join('.'));

export const operator = fc.constantFrom('=', '!=', '>', '<', '>=', '<=', '~>');

export const gemName = fc
  .tuple(fc.stringMatching(/^[a-z0-9]$/), fc.stringMatching(/^[a-z0-9_.-]{0,12}$/))
  .map(([head, tail]) => head + tail);
