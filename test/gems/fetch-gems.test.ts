import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, IntegrityError } from '../../src/errors.js';
import { fetchGems, verifyGem } from '../../src/gems/fetch-gems.js';
import { parseGemList } from '../../src/gems/gem-list.js';
import { type ResolvedGem, resolveGems } from '../../src/gems/resolve.js';
import { compactIndexSource } from '../../src/gems/source.js';
import { buildGemWorld, WORLD_GEM_LIST } from '../world/gems.js';
import { WorldServer } from '../world/server.js';
import { fetchBytes, fetchText } from './helpers.js';

const world = buildGemWorld();
let server: WorldServer;
let resolved: ResolvedGem[];

beforeAll(async () => {
  server = await WorldServer.start(world.routes);
  resolved = await resolveGems(parseGemList(WORLD_GEM_LIST, 'gem.list'), compactIndexSource(server.url, fetchText));
});
afterEach(() => server.clearFaults());
afterAll(async () => {
  await server.close();
});

const stomp = (): ResolvedGem => {
  const gem = resolved.find((g) => g.name === 'stomp');
  if (!gem) throw new Error('stomp not resolved');
  return gem;
};

describe('fetchGems', () => {
  it('downloads every resolved gem, verified, in order', async () => {
    const fetched = await fetchGems(resolved, fetchBytes);
    expect(fetched.map((g) => g.file)).toEqual(resolved.map((g) => g.file));
    for (const gem of fetched)
      expect(Buffer.from(gem.data).equals(world.gems.get(gem.file) ?? Buffer.alloc(0))).toBe(true);
  });

  it('fails with an IntegrityError naming the URL and both sums when the body differs', async () => {
    server.fault('/gems/stomp-1.3.2.gem', { kind: 'corrupt' });
    const body = Buffer.from(await fetchBytes(stomp().url));
    const actual = createHash('sha256').update(body).digest('hex');
    const failure = fetchGems(resolved, fetchBytes);
    await expect(failure).rejects.toThrow(IntegrityError);
    await expect(failure).rejects.toThrow(
      `sha256 mismatch for ${stomp().url}: the index says ${stomp().sha256}, the download has ${actual}`,
    );
  });

  it("propagates the downloader's FetchError for a missing gem, with the URL", async () => {
    server.fault('/gems/stomp-1.3.2.gem', { kind: 'status', status: 404 });
    const failure = fetchGems([stomp()], fetchBytes);
    await expect(failure).rejects.toThrow(FetchError);
    await expect(failure).rejects.toThrow(`GET ${stomp().url}: HTTP 404`);
  });
});

describe('verifyGem', () => {
  it('accepts the indexed bytes and rejects any other', () => {
    const data = world.gems.get(stomp().file) ?? Buffer.alloc(0);
    expect(() => verifyGem(stomp(), data)).not.toThrow();
    expect(() => verifyGem(stomp(), data.subarray(1))).toThrow(IntegrityError);
    expect(() => verifyGem(stomp(), new Uint8Array())).toThrow(stomp().url);
  });
});
