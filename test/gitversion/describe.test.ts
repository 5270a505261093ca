import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitVersion, versionFromDescribe } from '../../src/gitversion/describe.js';

let dir: string;
const git = (repo: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd: repo,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.invalid',
    },
  })
    .toString()
    .trim();

async function repo(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  git(path, 'init', '-q');
  return path;
}

async function commit(path: string, file: string, text: string): Promise<void> {
  await writeFile(join(path, file), text);
  git(path, 'add', file);
  git(path, 'commit', '-q', '-m', file);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-gitversion-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('versionFromDescribe', () => {
  it.each([
    ['1.2.3', '1.2.3'],
    ['v1.2.3', '1.2.3'],
    ['v1.2.3-4-gabcdef0-dirty\n', '1.2.3+4-gabcdef0-dirty'],
    ['abcdef0-dirty', 'abcdef0+dirty'],
    ['vv1', 'v1'],
  ])('%j → %j', (described, version) => {
    expect(versionFromDescribe(described)).toBe(version);
  });
});

describe('gitVersion', () => {
  it('is the tag on the tagged commit, without a leading v', async () => {
    const path = await repo('tagged');
    await commit(path, 'a', '1');
    git(path, 'tag', 'v0.9.0');
    await expect(gitVersion(path)).resolves.toBe('0.9.0');
    git(path, 'tag', '-a', '-m', 'release', '1.0.0');
    await expect(gitVersion(path)).resolves.toBe('1.0.0');
  });

  it('counts the commits after the tag and marks a dirty tree, from a subdirectory too', async () => {
    const path = await repo('after');
    await commit(path, 'a', '1');
    git(path, 'tag', '2.0');
    await commit(path, 'b', '1');
    await commit(path, 'c', '1');
    const hash = git(path, 'rev-parse', '--short', 'HEAD');
    await expect(gitVersion(path)).resolves.toBe(`2.0+2-g${hash}`);
    await writeFile(join(path, 'a'), 'changed');
    await mkdir(join(path, 'sub'));
    await expect(gitVersion(join(path, 'sub'))).resolves.toBe(`2.0+2-g${hash}-dirty`);
  });

  it('is the abbreviated hash without a tag', async () => {
    const path = await repo('untagged');
    await commit(path, 'a', '1');
    const hash = git(path, 'rev-parse', '--short', 'HEAD');
    await expect(gitVersion(path)).resolves.toBe(hash);
    await writeFile(join(path, 'a'), 'changed');
    await expect(gitVersion(path)).resolves.toBe(`${hash}+dirty`);
  });

  it('is undefined outside a checkout, in a repository without commits, or for a missing directory', async () => {
    const plain = join(dir, 'plain');
    await mkdir(plain);
    await expect(gitVersion(plain)).resolves.toBeUndefined();
    await expect(gitVersion(await repo('empty'))).resolves.toBeUndefined();
    await expect(gitVersion(join(dir, 'nowhere'))).resolves.toBeUndefined();
  });

  it('is undefined when git is missing', async () => {
    const path = await repo('no-git');
    await commit(path, 'a', '1');
    const saved = process.env.PATH;
    process.env.PATH = join(dir, 'no-such-bin');
    try {
      await expect(gitVersion(path)).resolves.toBeUndefined();
    } finally {
      process.env.PATH = saved;
    }
  });

  it('describes the directory it is given, whatever GIT_DIR says', async () => {
    const path = await repo('own');
    await commit(path, 'a', '1');
    git(path, 'tag', '3.1');
    const other = await repo('other');
    await commit(other, 'a', '1');
    git(other, 'tag', '9.9');
    process.env.GIT_DIR = join(other, '.git');
    try {
      await expect(gitVersion(path)).resolves.toBe('3.1');
    } finally {
      delete process.env.GIT_DIR;
    }
  });
});
