import { stat } from 'node:fs/promises';
import { sha256File } from '../hash.js';

/** Size and sha256 of the file inspected, streamed. */
export async function fileFacts(path: string): Promise<{ size: number; sha256: string }> {
  return { size: (await stat(path)).size, sha256: await sha256File(path) };
}
