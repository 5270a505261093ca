import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleEnvironment } from '../../src/cli/args.js';
import { exitStatuses } from '../../src/cli/help.js';
import { COMMANDS } from '../../src/cli/main.js';
import { manPage, roffText } from '../../src/cli/man.js';
import { flagsText } from '../../src/cli/spec.js';
import { packageRoot } from '../../src/version.js';
import { runCli } from '../bundle/harness.js';

const run = promisify(execFile);
const MAN = join(packageRoot(), 'docs', 'mkbundle.1');
const flat = (text: string) => text.replace(/\s+/g, ' ');

/** The page as man shows it, as plain text on one line, by the real formatter. */
async function rendered(source: string): Promise<{ text: string; warnings: string }> {
  const child = run('groff', ['-man', '-Tutf8', '-ww', '-P-cbou', '-rLL=200n'], { encoding: 'utf8' });
  child.child.stdin?.end(source);
  const { stdout, stderr } = await child;
  return { text: flat(stdout), warnings: stderr };
}

describe('docs/mkbundle.1', () => {
  let page: { text: string; warnings: string };
  beforeAll(async () => {
    page = await rendered(await readFile(MAN, 'utf8'));
  });

  it('is what `npm run man` makes of the command specs now', async () => {
    expect(await readFile(MAN, 'utf8'), 'docs/mkbundle.1 is stale: run npm run man').toBe(manPage());
  });

  it('is roff that groff formats without a warning', () => {
    expect(page.warnings).toBe('');
    expect(page.text).toContain('MKBUNDLE(1)');
  });

  it('says what --help says: every option, argument, example and exit status of every command', async () => {
    for (const { spec } of COMMANDS) {
      const helped = await runCli([spec.name, '--help']);
      const help = flat(helped.stdout);
      const entries = [
        ...spec.options.map((o) => `${flagsText(o)} ${o.describe}`),
        ...spec.positionals.map((p) => `${p.name} ${p.describe}`),
        ...spec.examples.map((e) => e.describe),
        ...spec.description,
        ...spec.notes,
      ];
      for (const entry of entries) {
        expect(help).toContain(flat(entry));
        expect(page.text).toContain(flat(entry));
      }
      for (const [code, meaning] of exitStatuses(spec)) {
        expect(help).toContain(flat(`${code} ${meaning}`));
        expect(page.text).toContain(flat(`${code} ${meaning}`));
      }
      for (const example of spec.examples) expect(page.text).toContain(example.line);
    }
  });

  it('lists the environment as mkbundle --help does', async () => {
    const help = flat((await runCli(['--help'])).stdout);
    for (const [name, meaning] of bundleEnvironment()) {
      expect(help).toContain(`${name} ${meaning}`);
      expect(page.text).toContain(`${name} ${meaning}`);
    }
  });
});

describe('roffText', () => {
  it('makes any text come out of groff as it went in', async () => {
    const line = fc.string({
      unit: fc.constantFrom('a', ' ', '-', '.', "'", '\\', '"', '…', '|', '$', 'é'),
      minLength: 1,
    });
    const samples = fc.sample(
      line.filter((t) => t.trim() !== ''),
      40,
    );
    const source = ['.TH T 1', '.nh', '.ad l', ...samples.flatMap((s) => ['.PP', roffText(`<${s}>`)])].join('\n');
    const { text, warnings } = await rendered(source);
    expect(warnings).toBe('');
    for (const sample of samples) expect(text).toContain(flat(`<${sample}>`));
  });
});
