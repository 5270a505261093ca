/** The fetch stage's public face: HTTP client, download cache, bounded parallelism. */
export {
  type CachedFile,
  type CacheOptions,
  type CacheStats,
  DownloadCache,
  defaultCacheDir,
  type Expect,
  type GetOptions,
} from './cache.js';
export { HttpError, isNotFound } from './failure.js';
export { materialise } from './files.js';
export { createHttpClient, DEFAULT_TIMEOUTS, type HttpClient, type HttpClientOptions, type Timeouts } from './http.js';
export { DEFAULT_JOBS, type PoolOptions, runPool, type Task } from './pool.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
