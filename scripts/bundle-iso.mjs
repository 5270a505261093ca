// Bundles the ISO stage into one ESM file for the bundle tarball, so that
// `./rebuild-iso VERSION` needs only Node.js and xorriso (no npm install).
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

await build({
  entryPoints: ['src/cli/rebuild-iso.ts'],
  outfile: 'dist/mkbundle-iso.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  define: { MKBUNDLE_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
  // Some bundled CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "import { createRequire as mkbundleRequire } from 'node:module'; const require = mkbundleRequire(import.meta.url);",
  },
});
