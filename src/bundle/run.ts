import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { ArchiveEntry } from '../archive/entry.js';
import { precompressFile, writeTarGz } from '../archive/tar-write.js';
import { removeScratchDir, scratchDir } from '../cleanup.js';
import type { Reporter } from '../cli/progress.js';
import { sourceDateEpoch } from '../config/epoch.js';
import type { BundleOptions } from '../config/options.js';
import { quoted } from '../config/quote.js';
import { errorText } from '../errno.js';
import { InputError } from '../errors.js';
import { DownloadCache, defaultCacheDir } from '../fetch/cache.js';
import { withCredentials } from '../fetch/credentials.js';
import { createHttpClient } from '../fetch/http.js';
import { allSettled, FailFast } from '../fetch/pool.js';
import { proxySettings } from '../fetch/proxy.js';
import { gitVersion } from '../gitversion/describe.js';
import { versionProblem } from '../iso/version.js';
import { type LockStatus, readLock, type StagedLock, stageLock } from '../lock/file.js';
import { FrozenInputs } from '../lock/frozen.js';
import { canonicalLock } from '../lock/lock.js';
import { prepareOutput } from '../output/dir.js';
import { type WrittenOutput, writeOutputs } from '../output/publish.js';
import { authorizedKeysEntries, checkAuthorizedKeys } from '../overlay/authorized-keys.js';
import { bufferEntry, completeTree, fileEntry, symlinkEntry } from '../overlay/entries.js';
import { detectEra } from '../overlay/era.js';
import { gemListPath, razorProfile } from '../overlay/profile.js';
import { collectSourceFiles, type SourceFile } from '../overlay/source-tree.js';
import { deriveSalt, hashPassword } from '../passwd/crypt.js';
import { enableAutologin } from '../passwd/inittab.js';
import { assertNoLogin, setTcPassword } from '../passwd/shadow.js';
import {
  type BuildPlan,
  configuredUrls,
  GEM_MIRROR,
  gemDir,
  makePlan,
  OVERLAY_NAME,
  treeLayout,
} from '../plan/plan.js';
import { kernelVersionOfCoreIso } from '../tce/core-kernel.js';
import { readExtensionList } from '../tce/list.js';
import { packageRoot, toolVersion } from '../version.js';
import { fetchDebSet, loadPackageIndexes } from './debs.js';
import { fetchExtensionSet, fetchVerifiedTcz } from './extensions.js';
import { RunFetcher } from './fetcher.js';
import { recordFiles } from './file-records.js';
import { fetchGems } from './gems.js';
import { isoScriptEntries } from './iso-scripts.js';
import { type BundleManifest, MANIFEST_NAME, manifestFor, mergeOrder } from './manifest.js';
import { mcollectiveEntries } from './mcollective.js';
import { fetchCoreIso, fetchTarball } from './tarballs.js';
import { unverifiedWarning } from './unverified.js';
import { utilLinuxEntries } from './util-linux.js';

export interface BundleResult {
  /** The bundle, then SHA256SUMS beside it. */
  readonly outputs: readonly WrittenOutput[];
  readonly manifest: BundleManifest;
  /** The lockfile, and what this run did with it. */
  readonly lock: { readonly path: string; readonly status: LockStatus };
  readonly downloads: {
    readonly requests: number;
    readonly bytesFetched: number;
    readonly bytesFromCache: number;
  };
}

export interface RunContext {
  readonly env: NodeJS.ProcessEnv;
  readonly report: Reporter;
}

/** util-linux-exec.lst: the source tree's, else mkbundle's own copy of the seed's. */
async function utilLinuxPaths(source: string): Promise<string[]> {
  const own = join(source, 'additional-build-files', 'util-linux-exec.lst');
  const file = existsSync(own) ? own : join(packageRoot(), 'additional-build-files', 'util-linux-exec.lst');
  return (await readFile(file, 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/^\/+/, ''));
}

export async function planBundle(options: BundleOptions): Promise<BuildPlan> {
  return makePlan(options, {
    builtin: await readExtensionList(options.builtinList),
    mirror: await readExtensionList(options.mirrorList),
    utilLinuxPaths: await utilLinuxPaths(options.source),
    era: options.era === 'auto' ? await detectEra(options.source) : options.era,
  });
}

/** Password hashes are for root's eyes only, whatever the mode in the source tree. */
const SHADOW_MODE = 0o600;

/** The password and console edits of the flavour, applied to the copied etc files. */
async function editedSourceEntry(
  file: SourceFile,
  plan: BuildPlan,
  epoch: number | undefined,
): Promise<ArchiveEntry | undefined> {
  const { image } = plan;
  if (file.path === 'etc/shadow') {
    const text = await readFile(file.source, 'utf8');
    if (image.flavour === 'prod') {
      // prod promises no login: refuse a shadow-nologin that would allow one.
      assertNoLogin(text, file.source);
      return bufferEntry(file.path, text, SHADOW_MODE, file.mtime);
    }
    const salt = epoch === undefined ? undefined : deriveSalt(`mkbundle tc ${epoch}`, image.passwdHash);
    const hash = hashPassword(image.tcPassword, image.passwdHash, salt);
    return bufferEntry(file.path, setTcPassword(text, hash, file.source), SHADOW_MODE, file.mtime);
  }
  if (file.path === 'etc/inittab' && image.flavour === 'debug') {
    return bufferEntry(
      file.path,
      enableAutologin(await readFile(file.source, 'utf8'), file.source),
      file.mode,
      file.mtime,
    );
  }
  return undefined;
}

/**
 * The version the source tree's git checkout gives, as the 2013 script
 * recorded it for the ISO stage; one the ISO stage would refuse is left out
 * with a warning, so the build still needs an explicit VERSION.
 */
async function recordedVersion(source: string, warn: (message: string) => void): Promise<string | undefined> {
  const version = await gitVersion(source);
  if (version === undefined) return undefined;
  const problem = versionProblem(version);
  if (problem === undefined) return version;
  warn(`git describe in ${source} gives ${quoted(version)}, not usable as an ISO version (${problem}); not recorded`);
  return undefined;
}

/** The pin flag of each download that takes one, by its URL as bundle.json records it. */
function pinFlags(plan: BuildPlan): Map<string, string> {
  return new Map([
    [plan.coreIso.url, '--iso-sha256'],
    [plan.rubygems.url, '--rubygems-sha256'],
    ...(plan.tree.era === '2012' ? [[plan.tree.mcollective.url, '--mcollective-sha256'] as const] : []),
    [plan.openVmTools.url, '--open-vm-tools-sha256'],
  ]);
}

/** Single-quoted for sh, as gitversion.sh is sourced. */
const shellQuote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

/** What the checks before the first request found, and what undoes the directories they made. */
export interface Checked {
  readonly sourceFiles: readonly SourceFile[];
  /** `--authorized-keys`' text, checked. */
  readonly authorizedKeys: string | undefined;
  /** --frozen: the lock, already found to be for these lists. */
  readonly frozen: FrozenInputs | undefined;
  readonly undo: () => Promise<void>;
}

/** The `--authorized-keys` file, read and checked line by line. */
async function readAuthorizedKeys(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read --authorized-keys ${file}: ${errorText(error)}`, { cause: error });
  }
  return checkAuthorizedKeys(text, file);
}

/**
 * Every check the bundle stage makes before its first request: `--out` can
 * take the bundle (made if missing: `undo` removes it again), the source
 * tree has every file its profile requires, `--authorized-keys` holds
 * public keys, and with `--frozen` the lockfile is for these lists.
 * `--dry-run` makes them too.
 */
export async function checkBeforeFetching(options: BundleOptions, plan: BuildPlan, report: Reporter): Promise<Checked> {
  // Before any download: an --out that cannot take the bundle is found in a moment, not after the whole build.
  const undo = await prepareOutput(options.out, plan.bundleFile);
  try {
    report({ type: 'step', id: 'project-files', name: 'Microkernel project files' });
    const sourceFiles = await collectSourceFiles(options.source, razorProfile(treeLayout(plan.tree)), plan.flavour);
    const keys = options.image.flavour === 'prod' ? undefined : options.image.authorizedKeys;
    const authorizedKeys = keys === undefined ? undefined : await readAuthorizedKeys(keys);
    const frozen = options.frozen ? new FrozenInputs(await readLock(options.lock), options.lock) : undefined;
    frozen?.checkLists(plan.lists, plan.followDeps);
    return { sourceFiles, authorizedKeys, frozen, undo };
  } catch (error) {
    await undo();
    throw error;
  }
}

/**
 * The bundle stage: the checks, then fetch everything the plan names
 * through the cache, assemble the overlay, write the overlay and the bundle
 * (each to a temp name, then renamed, the bundle with its SHA256SUMS). A run
 * that fails leaves `--out` as it found it.
 */
export async function runBundle(options: BundleOptions, plan: BuildPlan, ctx: RunContext): Promise<BundleResult> {
  const { undo, ...checked } = await checkBeforeFetching(options, plan, ctx.report);
  try {
    return await buildBundle(options, plan, checked, ctx);
  } catch (error) {
    await undo();
    throw error;
  }
}

/** The lock of this run, staged to appear with the bundle; none under --frozen, which only reads it. */
function stageRunLock(
  path: string,
  plan: BuildPlan,
  fetcher: RunFetcher,
  builtin: { readonly names: readonly string[] },
  mirror: { readonly names: readonly string[] },
  gems: { readonly gems: readonly { readonly name: string; readonly version: string }[] },
): Promise<StagedLock> {
  return stageLock(
    path,
    canonicalLock({
      lists: plan.lists,
      followDeps: plan.followDeps,
      closure: { builtin: builtin.names, mirror: mirror.names },
      gems: gems.gems.map(({ name, version }) => ({ name, version })),
      inputs: fetcher.inputs().map(({ url, size, sha256 }) => ({ url, size, sha256 })),
      absent: fetcher.absentFiles(),
    }),
  );
}

async function buildBundle(
  options: BundleOptions,
  plan: BuildPlan,
  { sourceFiles, authorizedKeys, frozen }: Omit<Checked, 'undo'>,
  ctx: RunContext,
): Promise<BundleResult> {
  const started = Date.now();
  const { report } = ctx;
  const epoch = sourceDateEpoch(ctx.env);
  const mtime = epoch ?? Math.floor(started / 1000);
  const cache = new DownloadCache({
    dir: options.cacheDir ?? defaultCacheDir(ctx.env, homedir()),
    client: withCredentials(
      createHttpClient({ version: toolVersion(), proxy: proxySettings(ctx.env) }),
      configuredUrls(options),
    ),
  });
  // The first failure anywhere stops the downloads still in flight, and is the one reported.
  const run = new FailFast();
  const settle = <T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }) =>
    allSettled<T>(promises, run);
  const policy = options.offline ? 'cache-only' : options.reusePrevDownloads ? 'prefer-cache' : 'revalidate';
  const fetcher = new RunFetcher(cache, report, run, {
    policy,
    jobs: options.jobs,
    limits: options.limits,
    mirrors: { primary: plan.mirror.tczUrl, fallbacks: plan.mirror.fallbackTczUrls },
    ...(frozen === undefined ? {} : { frozen }),
  });
  const staging = await scratchDir('bundle');
  try {
    const layout = treeLayout(plan.tree);
    const warn = (message: string) => report({ type: 'warning', message });
    const version = await recordedVersion(options.source, warn);

    // The download groups are independent; RunFetcher bounds the requests of all of them (--jobs).
    report({ type: 'step', id: 'download', name: 'downloads' });
    // The extensions start with the Core ISO: only their `-KERNEL` names wait for its kernel version.
    const isoFile = fetchCoreIso(fetcher, plan.coreIso);
    const isoEntry = isoFile.then((iso) =>
      fileEntry(plan.coreIso.file, { from: 'path', path: iso.path }, iso.size, 0o644, mtime),
    );
    // Most of the bundle: its gzip members are made while the rest downloads (a failure shows in the bundle write).
    const isoMembers = isoEntry.then((entry) => precompressFile(entry, { name: plan.bundleFile }));
    isoMembers.catch(() => undefined);
    const [tinycore, debs, gems, tarballs] = await settle([
      (async () => {
        const kernel = isoFile.then((iso) => kernelVersionOfCoreIso(iso.path, plan.mirror.boot.initrd));
        const context = { fetcher, tczUrl: plan.mirror.tczUrl, kernelVersion: kernel, followDeps: plan.followDeps };
        const more = { jobs: options.jobs, mtime, excluded: plan.excluded, warn, loopsWarned: new Set<string>() };
        const [iso, entry, kernelVersion, builtin, mirror] = await settle([
          isoFile,
          isoEntry,
          kernel,
          fetchExtensionSet(plan.builtin, { ...context, ...more }),
          fetchExtensionSet(plan.mirrorSet, { ...context, ...more }),
        ]);
        return { iso, isoEntry: entry, kernelVersion, builtin, mirror };
      })(),
      (async () => {
        const sets = [plan.builtin, plan.mirrorSet].filter((set) => set.debs.length > 0);
        if (sets.length === 0) return [];
        const indexes = await loadPackageIndexes(fetcher, plan.debian.packageLists);
        const debContext = { fetcher, debian: plan.debian, jobs: options.jobs, mtime, staging };
        return (await settle(sets.map((set) => fetchDebSet(set, indexes, debContext)))).flat();
      })(),
      (async () => {
        const gemList = sourceFiles.find((f) => f.path === gemListPath(layout));
        return gemList
          ? fetchGems(gemList.source, plan.gemSource, fetcher, {
              jobs: options.jobs,
              mtime,
              dir: gemDir(plan.tree),
              mirrorIndex: plan.tree.era === '2013' ? GEM_MIRROR : undefined,
              ...(frozen === undefined ? {} : { lockedVersion: (name: string) => frozen.gemVersion(name) }),
            })
          : { entries: [], gems: [] };
      })(),
      // What is unpacked from a download is unpacked as soon as it is in, while the rest downloads.
      settle([
        fetchTarball(fetcher, plan.rubygems),
        (async () => {
          if (plan.tree.era !== '2012') return [];
          const { mcollective } = plan.tree;
          return mcollectiveEntries((await fetchTarball(fetcher, mcollective)).path, mcollective.url, staging);
        })(),
        fetchVerifiedTcz(fetcher, plan.mirror.tczUrl, plan.utilLinux.name).then((tcz) =>
          utilLinuxEntries(tcz.path, plan.utilLinux.paths, staging),
        ),
        fetchTarball(fetcher, plan.openVmTools),
      ]),
    ]);
    const { iso, kernelVersion, builtin, mirror } = tinycore;
    const [rubygems, mcollective, utilLinux, openVmTools] = tarballs;

    report({ type: 'step', id: 'overlay', name: 'overlay' });
    const overlayEntries: ArchiveEntry[] = [];
    const bundleEntries: ArchiveEntry[] = [];
    for (const file of sourceFiles) {
      const entry =
        (await editedSourceEntry(file, plan, epoch)) ??
        fileEntry(file.path, { from: 'path', path: file.source }, file.size, file.mode, file.mtime);
      (file.dest === 'overlay' ? overlayEntries : bundleEntries).push(entry);
    }
    overlayEntries.push(
      ...builtin.entries,
      ...debs,
      bufferEntry('tmp/builtin/onboot.lst', plan.onboot.map((n) => `${n}\n`).join(''), 0o644, mtime),
      ...mirror.entries,
      ...gems.entries,
      fileEntry(`opt/${plan.rubygems.file}`, { from: 'path', path: rubygems.path }, rubygems.size, 0o644, mtime),
      ...mcollective,
      ...utilLinux,
      ...plan.symlinks.map((s) => symlinkEntry(s.path, s.target, mtime)),
      ...(authorizedKeys === undefined ? [] : authorizedKeysEntries(authorizedKeys, mtime)),
    );
    const overlayPath = join(staging, OVERLAY_NAME);
    const overlayWrite = await writeTarGz(overlayPath, completeTree(overlayEntries, mtime), {
      name: OVERLAY_NAME,
      owners: 'entries',
      ...(epoch === undefined ? {} : { sourceDateEpoch: epoch }),
    });
    // Said once: the bundle is written the same way.
    if (overlayWrite.fallback !== undefined) {
      report({ type: 'notice', message: `${overlayWrite.fallback}; writing the tarballs with zlib -9 instead` });
    }

    report({ type: 'step', id: 'write-bundle', name: 'bundle' });
    bundleEntries.push(
      fileEntry(`dependencies/${OVERLAY_NAME}`, { from: 'path', path: overlayPath }, overlayWrite.size, 0o644, mtime),
      tinycore.isoEntry,
      ...(await isoScriptEntries(mtime)),
      fileEntry(
        `dependencies/${plan.openVmTools.file}`,
        { from: 'path', path: openVmTools.path },
        openVmTools.size,
        0o644,
        mtime,
      ),
    );
    if (version !== undefined) {
      bundleEntries.push(bufferEntry('gitversion.sh', `ISO_VERSION=${shellQuote(version)}\n`, 0o644, mtime));
    }
    const inputs = fetcher.inputs();
    const dependencyNames = bundleEntries
      .filter((e) => e.path.startsWith('dependencies/'))
      .map((e) => basename(e.path));
    const manifest = manifestFor({
      tool: `mkbundle ${toolVersion()}`,
      flavour: plan.flavour,
      mirror: plan.mirror,
      kernelVersion,
      iso: plan.coreIso.file,
      era: plan.tree.era,
      ...(version === undefined ? {} : { version }),
      dependencies: mergeOrder(plan.tree.era, dependencyNames),
      extensions: {
        onboot: plan.onboot,
        builtin: [...builtin.names, ...plan.builtin.debs.map((deb) => deb.name)],
        mirror: [...mirror.names, ...plan.mirrorSet.debs.map((deb) => deb.name)],
      },
      gems: gems.gems.map((g) => ({ name: g.name, version: g.version })),
      inputs,
      files: await recordFiles(
        bundleEntries,
        {
          [plan.coreIso.file]: plan.coreIso.url,
          [`dependencies/${plan.openVmTools.file}`]: plan.openVmTools.url,
        },
        {
          [plan.coreIso.file]: iso.sha256,
          [`dependencies/${plan.openVmTools.file}`]: openVmTools.sha256,
          [`dependencies/${OVERLAY_NAME}`]: overlayWrite.sha256,
        },
      ),
    });
    bundleEntries.push(bufferEntry(MANIFEST_NAME, `${JSON.stringify(manifest, null, 2)}\n`, 0o644, mtime));
    const bundle = resolve(options.out, plan.bundleFile);
    const ahead = await isoMembers;
    const tar = {
      name: plan.bundleFile,
      ...(epoch === undefined ? {} : { sourceDateEpoch: epoch }),
      ...(ahead === undefined ? {} : { precompressed: [ahead] }),
    };
    const unverified = unverifiedWarning(inputs, {
      pins: pinFlags(plan),
      gems: gems.gems.some((gem) => gem.unverified)
        ? `${plan.gemSource} has a legacy gem index, without checksums`
        : undefined,
    });
    if (unverified !== undefined) warn(unverified);
    const staged =
      frozen === undefined ? await stageRunLock(options.lock, plan, fetcher, builtin, mirror, gems) : undefined;
    try {
      const outputs = await writeOutputs(
        [
          {
            kind: 'bundle',
            to: bundle,
            write: async (temp) => {
              await writeTarGz(bundle, completeTree(bundleEntries, mtime), { ...tar, temp });
            },
          },
        ],
        staged?.move === undefined ? [] : [staged.move],
      );
      const { requests, bytesFetched, bytesFromCache } = cache.stats();
      const status: LockStatus = staged?.status ?? 'frozen';
      return {
        outputs,
        manifest,
        lock: { path: options.lock, status },
        downloads: { requests, bytesFetched, bytesFromCache },
      };
    } finally {
      await staged?.discard();
    }
  } finally {
    await removeScratchDir(staging);
  }
}
