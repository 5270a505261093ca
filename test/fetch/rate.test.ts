import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateFloor } from '../../src/fetch/rate.js';

describe('RateFloor', () => {
  it('says nothing until a whole window has passed', () => {
    const floor = new RateFloor(100, 1000, 0);
    expect(floor.check(250, 0)).toBeUndefined();
    expect(floor.check(999, 0)).toBeUndefined();
    expect(floor.check(1000, 0)).toEqual({ bytes: 0, ms: 1000 });
  });

  it('measures the last window, not the whole transfer: a fast start does not cover a drip later', () => {
    const floor = new RateFloor(100, 1000, 0);
    expect(floor.check(500, 1_000_000)).toBeUndefined();
    expect(floor.check(1000, 1_000_000)).toBeUndefined();
    expect(floor.check(1500, 1_000_010)).toEqual({ bytes: 10, ms: 1000 });
  });

  it('exactly the floor is enough', () => {
    const floor = new RateFloor(100, 1000, 0);
    expect(floor.check(1000, 100)).toBeUndefined();
    expect(floor.check(2000, 199)).toEqual({ bytes: 99, ms: 1000 });
  });

  it('a floor of 0 never trips', () => {
    const floor = new RateFloor(0, 10, 0);
    for (let t = 0; t <= 100; t += 5) expect(floor.check(t, 0)).toBeUndefined();
  });

  // Ticks at irregular times (a loaded machine), bytes at a steady rate.
  const ticks = fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 60 });

  it('never trips while every tick brings at least the floor for the time since the last one', () => {
    fc.assert(
      fc.property(ticks, fc.integer({ min: 1, max: 10_000 }), (gaps, min) => {
        const floor = new RateFloor(min, 1000, 0);
        let now = 0;
        let total = 0;
        for (const gap of gaps) {
          now += gap;
          total += Math.ceil((min * gap) / 1000);
          if (floor.check(now, total) !== undefined) return false;
        }
        return true;
      }),
    );
  });

  it('with nothing received, trips exactly from the first tick a window after the start', () => {
    fc.assert(
      fc.property(ticks, fc.integer({ min: 1, max: 10_000 }), (gaps, min) => {
        const floor = new RateFloor(min, 1000, 0);
        let now = 0;
        for (const gap of gaps) {
          now += gap;
          if ((floor.check(now, 0) !== undefined) !== now >= 1000) return false;
        }
        return true;
      }),
    );
  });
});
