import { describe, expect, it } from 'vitest';
import { ownerIsGone, ownerTag } from '../src/owner.js';
import { deadOwnerTag, liveOwner, tagOf } from './helpers/owners.js';

describe('owner tags', () => {
  it('this process: pid, start time and boot id, and never gone', async () => {
    expect(ownerTag()).toBe(tagOf(process.pid));
    expect(await ownerIsGone(ownerTag())).toBe(false);
  });

  it('a live process is not gone; an ended one, or its pid with another start time, is', async () => {
    const live = await liveOwner();
    try {
      expect(await ownerIsGone(live.tag)).toBe(false);
      const [pid, start, boot] = live.tag.split('.');
      expect(await ownerIsGone(`${pid}.${Number(start) + 1}.${boot}`)).toBe(true);
    } finally {
      await live.stop();
    }
    expect(await ownerIsGone(await deadOwnerTag())).toBe(true);
  });

  it('cannot tell for another boot (or machine), or without a start time', async () => {
    const [pid, start] = (await deadOwnerTag()).split('.');
    expect(await ownerIsGone(`${pid}.${start}.00c0ffee`)).toBe(false);
    expect(await ownerIsGone(`${pid}.0.${ownerTag().split('.')[2]}`)).toBe(false);
  });
});
