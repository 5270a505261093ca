/**
 * A mirror behind Basic auth, given as http://user:s3cret@host/…: the build
 * works, and the password (or its Basic token) is nowhere it could be read
 * later: not on stdout or stderr, not in the bundle's files, not in the cache.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunJson } from '../helpers/json-schema.js';
import { startWorld, type World } from '../world/index.js';
import { runCli, tarContents } from './harness.js';

const SECRET = 's3cret';
const TOKEN = Buffer.from(`user:${SECRET}`).toString('base64');
let dir: string;
let world: World;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-credentials-'));
  world = await startWorld(join(dir, 'world'), { credentials: { user: 'user', password: SECRET } });
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

const withUserinfo = (userinfo: string) =>
  world.flags.map((f) => f.replace('http://127.0.0.1:', `http://${userinfo}@127.0.0.1:`));
const lists = () => ['-b', world.builtinList, '-m', world.mirrorList, '-p'];

function leaks(text: string | Buffer): boolean {
  return text.includes(SECRET) || text.includes(TOKEN);
}

/** Paths of files whose bytes (or, for archives, whose members' bytes) hold the secret. */
async function leakingMembers(archive: Buffer, name: string): Promise<string[]> {
  const found: string[] = [];
  for (const [path, { body }] of await tarContents(archive)) {
    if (body === undefined) continue;
    if (leaks(body)) found.push(`${name}:${path}`);
    if (/\.(tar\.gz|tgz)$/.test(path)) found.push(...(await leakingMembers(body, `${name}:${path}`)));
    else if (path.endsWith('.gz') && leaks(gunzipSync(body))) found.push(`${name}:${path} (gunzipped)`);
  }
  return found;
}

async function leakingFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && leaks(await readFile(join(entry.parentPath, entry.name)))) found.push(entry.name);
  }
  return found;
}

describe('credentials in URLs', () => {
  it('build: nothing shown or stored holds them, bundle.json records the URLs redacted', async () => {
    const cache = join(dir, 'cache');
    const out = join(dir, 'out');
    const run = await runCli([...lists(), ...withUserinfo(`user:${SECRET}`), '--out', out, '--json'], {
      XDG_CACHE_HOME: cache,
    });
    expect(run.stderr).not.toMatch(/mkbundle:/);
    expect(run.code).toBe(0);
    expect(leaks(run.stdout) || leaks(run.stderr)).toBe(false);
    expect(run.stderr).toMatch(/fetched http:\/\/\*\*\*@127\.0\.0\.1:\d+\//);

    const result = parseRunJson(run.stdout);
    const inputs: { url: string }[] = result.bundle.manifest.inputs;
    expect(inputs.length).toBeGreaterThan(20);
    expect(inputs.filter((i) => !i.url.startsWith('http://***@127.0.0.1:'))).toEqual([]);

    const bundle = await readFile(result.outputs[0].path);
    expect(await leakingMembers(bundle, 'bundle')).toEqual([]);
    const manifest = JSON.parse((await tarContents(bundle)).get('bundle.json')?.body?.toString() ?? '');
    expect(manifest.inputs).toEqual(inputs);

    expect(await leakingFiles(cache)).toEqual([]);
    // The cache knows each URL by itself, without credentials: the same entry with and without them.
    const indexDir = join(cache, 'mkbundle', 'index');
    const hex = (url: string) => createHash('sha256').update(url).digest('hex');
    const indexed = new Map<string, string>();
    for (const name of await readdir(indexDir)) {
      indexed.set(name, JSON.parse(await readFile(join(indexDir, name), 'utf8')).url);
    }
    expect(
      [...indexed].filter(([name, url]) => name !== `${hex(url)}.json` || !url.startsWith('http://127.0.0.1:')),
    ).toEqual([]);
    expect(inputs.filter((i) => !indexed.has(`${hex(i.url.replace('***@', ''))}.json`))).toEqual([]);
    expect(indexed.get(`${hex(world.urls.iso)}.json`)).toBe(world.urls.iso);
  });

  it('--dry-run and its JSON show them redacted', async () => {
    for (const json of [[], ['--json']]) {
      const run = await runCli([...lists(), ...withUserinfo(`user:${SECRET}`), '--dry-run', ...json]);
      expect(run.code).toBe(0);
      expect(leaks(run.stdout) || leaks(run.stderr)).toBe(false);
      expect(run.stdout).toContain(`http://***@127.0.0.1:`);
      expect(run.stdout).not.toContain('user:');
    }
  });

  it('a 401 without credentials, or with wrong ones, is one error line, exit 3', async () => {
    const cases: [string[], RegExp][] = [
      [
        world.flags.slice(),
        /^mkbundle: GET http:\/\/127\.0\.0\.1:\d+\/\S+: 401 Unauthorized \(the server wants credentials: give them in the URL, http:\/\/USER:PASSWORD@HOST\/…\)$/,
      ],
      [
        withUserinfo('user:wrong'),
        /^mkbundle: GET http:\/\/\*\*\*@127\.0\.0\.1:\d+\/\S+: 401 Unauthorized \(the server refused the credentials in the URL\)$/,
      ],
    ];
    for (const [flags, message] of cases) {
      const run = await runCli([...lists(), ...flags, '--out', join(dir, 'none'), '-v'], {
        XDG_CACHE_HOME: await mkdtemp(join(dir, 'cache-')),
      });
      expect(run.code).toBe(3);
      const errors = run.stderr.split('\n').filter((l) => l.startsWith('mkbundle:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
      expect(run.stderr + run.stdout).not.toContain('wrong');
    }
  });
});
