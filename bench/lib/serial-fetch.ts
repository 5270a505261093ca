/**
 * The seed script's request pattern: one `wget` after another. Reads a
 * list of URLs (one per line) and fetches each in turn on a new connection,
 * writing each body to DIR under its position and base name; a 404 is
 * skipped, as `wget -q` of a missing `.dep` left nothing. Loopback only.
 *
 *   node dist/bench/lib/serial-fetch.js URLS DIR
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { get } from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

async function fetchTo(url: string, dest: string): Promise<number> {
  const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    get(url, { agent: false }, resolve).on('error', reject);
  });
  const status = response.statusCode ?? 0;
  if (status !== 200) {
    response.resume();
    if (status === 404) return status;
    throw new Error(`GET ${url}: ${status}`);
  }
  await pipeline(response, createWriteStream(dest));
  return status;
}

const [list, dir] = process.argv.slice(2);
if (list === undefined || dir === undefined) throw new Error('usage: serial-fetch URLS DIR');
const urls = (await readFile(list, 'utf8')).split('\n').filter((line) => line !== '');
for (const url of urls) {
  if (!new URL(url).hostname.startsWith('127.')) throw new Error(`not a loopback URL: ${url}`);
}
await mkdir(dir, { recursive: true });
for (const [i, url] of urls.entries()) await fetchTo(url, join(dir, `${i}-${basename(new URL(url).pathname)}`));
