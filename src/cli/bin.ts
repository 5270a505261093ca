#!/usr/bin/env node
import { exitCleanlyOnSignals } from '../cleanup.js';
import { main } from './main.js';

exitCleanlyOnSignals('mkbundle');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
