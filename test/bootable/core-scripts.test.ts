import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreScriptEntries } from '../world/bootable/core-scripts.js';
import type { ArchiveEntry } from '../world/bootable/entries.js';
import { tcCoreScriptsDir } from '../world/bootable/paths.js';

const body = (entry: ArchiveEntry | undefined): string => {
  if (entry?.kind !== 'file' || entry.data.from !== 'buffer') throw new Error('not a buffer file entry');
  return entry.data.data.toString('utf8');
};
const upstream = (path: string): Promise<string> => readFile(join(tcCoreScriptsDir(), path), 'utf8');

describe("Tiny Core's boot scripts in the world", () => {
  it('are the upstream files at their own paths, but for the squashfs bs= option in tce-load', async () => {
    const entries = new Map((await coreScriptEntries()).map((e) => [e.path, e]));
    for (const path of ['init', 'etc/init.d/rcS', 'etc/init.d/tc-config', 'usr/bin/tce-setup', 'sbin/autologin']) {
      expect(body(entries.get(path)), path).toBe(await upstream(path));
      expect(entries.get(path)?.mode, path).toBe(0o755);
    }
    expect(entries.get('etc/init.d/tc-functions')?.mode).toBe(0o644);
    expect(entries.has('REAME')).toBe(false);
    const tceLoad = await upstream('usr/bin/tce-load');
    expect(tceLoad).toContain('-o loop,ro,bs=4096');
    expect(body(entries.get('usr/bin/tce-load'))).toBe(tceLoad.replaceAll(',bs=4096', ''));
  });

  it('name the folder when it is missing', async () => {
    await expect(coreScriptEntries('/nonexistent/core-scripts')).rejects.toThrow(
      "Tiny Core's boot scripts are not in /nonexistent/core-scripts (ENOENT)",
    );
  });
});
