import { execFile } from 'node:child_process';

/** `v1.2.3-4-gabcdef-dirty` → `1.2.3+4-gabcdef-dirty`, as the 2013 bundle script recorded it. */
export function versionFromDescribe(described: string): string {
  return described.trim().replace('-', '+').replace(/^v/, '');
}

/**
 * The version `git describe --tags --dirty --always` gives the checkout that
 * holds `dir`, or undefined when there is none (or no git, or no commit).
 */
export function gitVersion(dir: string): Promise<string | undefined> {
  // GIT_DIR and friends would make git describe some other repository than dir's.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_')));
  return new Promise((resolve) => {
    execFile(
      'git',
      ['describe', '--tags', '--dirty', '--always'],
      { cwd: dir, env, encoding: 'utf8' },
      (error, stdout) => {
        const described = error ? '' : stdout.trim();
        resolve(described === '' ? undefined : versionFromDescribe(described));
      },
    );
  });
}
