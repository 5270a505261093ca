/**
 * Runs buildIso with the options given as JSON in argv[2] and prints the
 * result as JSON: the unprivileged-build test runs this in a child process
 * under another user.
 */
import { type BuildIsoOptions, buildIso } from '../../../src/iso/build.js';

const options = JSON.parse(process.argv[2] ?? '{}') as BuildIsoOptions;
process.stdout.write(JSON.stringify(await buildIso(options)));
