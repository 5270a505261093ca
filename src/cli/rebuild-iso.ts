import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitCleanlyOnSignals } from '../cleanup.js';
import { rebuildIsoMain } from './iso-main.js';

// Bundled into one file that sits at the top of an unpacked bundle: the bundle is its directory.
const [major = 0] = process.versions.node.split('.').map(Number);
if (major < 20) {
  process.stderr.write(`rebuild-iso: needs Node.js 20 or newer, this is ${process.versions.node}\n`);
  process.exit(1);
}
exitCleanlyOnSignals('rebuild-iso');
process.exitCode = await rebuildIsoMain(dirname(fileURLToPath(import.meta.url)), process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
