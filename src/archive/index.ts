export { readCpio } from './cpio-read.js';
export { type CpioWriteOptions, cpioStream, writeCpio } from './cpio-write.js';
export type * from './entry.js';
export type { EntrySource } from './entry-source.js';
export { gzipStream, type RecompressOptions, type RecompressResult, recompress } from './gzip.js';
export { compareArchivePaths } from './order.js';
export {
  normaliseHardlinkTarget,
  normaliseMemberName,
  ROOT_PATH,
  symlinkEscapes,
} from './safe-path.js';
export type { ArchiveSource, ReadOptions } from './source.js';
export { type ExtractOptions, type ExtractResult, extractTar } from './tar-extract.js';
export { readTar } from './tar-read.js';
export { type TarWriteOptions, tarStream, writeTarGz } from './tar-write.js';
