/** What the last window of a transfer carried, when that was below the floor. */
export interface Shortfall {
  readonly bytes: number;
  readonly ms: number;
}

/**
 * A floor on a transfer's average rate over a sliding window: a body that
 * keeps arriving, but too slowly to ever finish (a few bytes every few
 * seconds resets any idle timer), fails once a whole window carried less
 * than `minBytesPerSecond` on average. Fed the running byte count at
 * regular ticks; pure apart from the times it is given.
 */
export class RateFloor {
  /** Running totals at earlier ticks; the first is at least a window old once a window has passed. */
  private readonly samples: { readonly at: number; readonly total: number }[];

  constructor(
    private readonly minBytesPerSecond: number,
    private readonly windowMs: number,
    start: number,
    /** Bytes counted before `start` (a resumed download's first part). */
    total = 0,
  ) {
    this.samples = [{ at: start, total }];
  }

  /** Records `total` bytes received by `now`; the shortfall when the window up to now was too slow. */
  check(now: number, total: number): Shortfall | undefined {
    while (this.samples.length > 1 && now - (this.samples[1]?.at ?? now) >= this.windowMs) this.samples.shift();
    const base = this.samples[0] ?? { at: now, total };
    this.samples.push({ at: now, total });
    const ms = now - base.at;
    if (ms < this.windowMs) return undefined;
    const bytes = total - base.total;
    return bytes * 1000 < this.minBytesPerSecond * ms ? { bytes, ms } : undefined;
  }
}
