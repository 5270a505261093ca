import { FetchError } from '../../src/errors.js';
import { compactIndexSource, type GemSource } from '../../src/gems/source.js';

/** The fetch/ layer's contract in miniature: non-2xx → FetchError naming the URL. */
export async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new FetchError(`GET ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

export async function fetchText(url: string): Promise<string> {
  return Buffer.from(await fetchBytes(url)).toString('utf8');
}

/** A compact-index GemSource over a route map, with no server; records the names asked for. */
export function memorySource(
  routes: ReadonlyMap<string, Buffer>,
  base = 'mem://gems',
): GemSource & { asked: string[] } {
  const asked: string[] = [];
  const source = compactIndexSource(base, async (url) => {
    const body = routes.get(url.slice(base.length));
    if (!body) throw new FetchError(`GET ${url}: HTTP 404`);
    return body.toString('utf8');
  });
  return {
    ...source,
    asked,
    entries: (name) => {
      asked.push(name);
      return source.entries(name);
    },
  };
}
