import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * apt queries for the world's inputs. Debian's container images switch off
 * apt's binary package cache, which makes every apt-cache call re-read all
 * package lists (~1 s); pointing pkgcache into our cache dir makes repeated
 * calls take milliseconds (apt rebuilds it itself when the lists change).
 */
export class Apt {
  private readonly options: string[];

  constructor(private readonly cacheDir: string) {
    this.options = ['-o', `Dir::Cache::pkgcache=${join(cacheDir, 'apt', 'pkgcache.bin')}`];
  }

  private async run(cmd: 'apt-cache' | 'apt-get', args: string[], cwd?: string): Promise<string> {
    await mkdir(join(this.cacheDir, 'apt'), { recursive: true });
    const { stdout } = await execa(cmd, [...this.options, ...args], { env: { LC_ALL: 'C' }, ...(cwd && { cwd }) });
    return stdout;
  }

  private async candidate(pkg: string): Promise<string | undefined> {
    const version = /^\s*Candidate:\s*(\S+)/m.exec(await this.run('apt-cache', ['policy', pkg]))?.[1];
    return version === undefined || version === '(none)' ? undefined : version;
  }

  /** The candidate version of `pkg`, running `apt-get update` once when the lists are missing (fresh machine). */
  async candidateVersion(pkg: string): Promise<string> {
    const first = await this.candidate(pkg);
    if (first !== undefined) return first;
    // Changing apt's state needs root; the tests here usually are root.
    const [cmd, args] = process.getuid?.() === 0 ? ['apt-get', []] : ['sudo', ['apt-get']];
    await execa(cmd, [...args, 'update', '-qq']);
    const second = await this.candidate(pkg);
    if (second === undefined) throw new Error(`apt knows no installable version of ${pkg}, even after apt-get update`);
    return second;
  }

  /** The package names the candidate of `pkg` depends on (alternatives flattened). */
  async candidateDepends(pkg: string): Promise<string[]> {
    await this.candidateVersion(pkg);
    const out = await this.run('apt-cache', ['depends', '--no-recommends', '--no-suggests', pkg]);
    return [...out.matchAll(/^\s*\|?Depends:\s*(\S+)/gm)].map((m) => m[1] as string);
  }

  /** Downloads `pkg=version` into `dir` (no root needed) and returns the .deb's path. */
  async download(pkg: string, version: string, dir: string): Promise<string> {
    await this.run('apt-get', ['download', '-qq', `${pkg}=${version}`], dir);
    const deb = (await readdir(dir)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (deb === undefined) throw new Error(`apt-get download ${pkg}=${version} left no .deb in ${dir}`);
    return join(dir, deb);
  }
}
