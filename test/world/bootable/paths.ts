import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in test/world/bootable/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where heavy inputs and built images are kept between runs (git-ignored). */
export const DEFAULT_CACHE_DIR = fileURLToPath(new URL('../../../.cache/world/', import.meta.url));

/** The fixed timestamp of every file the bootable world writes (2024-01-01T00:00:00Z). */
export const WORLD_EPOCH = 1_704_067_200;
