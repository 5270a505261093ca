import { join } from 'node:path';
import { packageRoot } from '../../../src/version.js';
import { upstreamDir } from '../../upstream/trees.js';

/** The repository root, whether this runs from test/ or compiled in dist/test/. */
export const REPO_ROOT = packageRoot();

/** Where heavy inputs and built images are kept between runs (git-ignored). */
export const DEFAULT_CACHE_DIR = join(REPO_ROOT, '.cache', 'world');

/** The guest's shell scripts, plain files that tsc does not copy. */
export const GUEST_DIR = join(REPO_ROOT, 'test', 'world', 'bootable', 'guest');

/** The fixed timestamp of every file the bootable world writes (2024-01-01T00:00:00Z). */
export const WORLD_EPOCH = 1_704_067_200;

/**
 * Tiny Core's own boot scripts (Core-scripts), read when the world is built;
 * MKWORLD_TC_CORE_SCRIPTS points at another checkout of the same tree.
 */
export const tcCoreScriptsDir = (): string =>
  process.env.MKWORLD_TC_CORE_SCRIPTS ?? upstreamDir('tinycore-core-scripts');
