import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wrapText } from '../../src/cli/help.js';
import { rebuildIsoMain } from '../../src/cli/iso-main.js';
import { COMMANDS } from '../../src/cli/main.js';
import { flagsText, GROUPS } from '../../src/cli/spec.js';
import { CFG_KEYS } from '../../src/config/bundle-cfg.js';
import {
  AddonError,
  ArchiveError,
  DeflateError,
  FetchError,
  InputError,
  IntegrityError,
  SquashfsError,
  ToolMissingError,
  UsageError,
} from '../../src/errors.js';
import { runCli } from '../bundle/harness.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const help = async (argv: string[]) => {
  const run = await runCli(argv);
  expect(run.code).toBe(0);
  return run.stdout;
};

/** The lines of a help section, up to the next blank line. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start === -1) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

describe('mkbundle --help', () => {
  it('groups the options under Inputs, Flavour, Sources, Output and Behaviour, in that order', async () => {
    const text = await help(['--help']);
    const at = GROUPS.map((g) => text.indexOf(`\n${g}:\n`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('shows what each value is, never a type', async () => {
    const text = await help(['--help']);
    expect(text).not.toMatch(/\[(string|number|boolean|array)\]/);
    for (const flags of [
      '-b, --builtin-list FILE',
      '--source DIR',
      '--mirror URL|DIR',
      '--jobs N',
      '-t, --tc-passwd PASS',
      '--max-payload-size SIZE',
      '--passwd-hash sha512|md5',
      '--no-deps',
    ]) {
      expect(text).toContain(`  ${flags}  `);
    }
    expect(await help(['iso', '--help'])).toContain('Usage: mkbundle iso BUNDLE [VERSION] [OPTIONS]');
  });

  it('lists every command, and shows an example of each', async () => {
    const text = await help(['--help']);
    const commands = section(text, 'Commands');
    const examples = section(text, 'Examples').filter((l) => /^ {2}\S/.test(l));
    for (const { spec } of COMMANDS) {
      expect(commands.some((l) => l.startsWith(`  ${spec.name}`))).toBe(true);
      const word =
        spec.name === 'bundle' ? /^ {2}mkbundle -/ : new RegExp(`^ {2}(source <\\()?mkbundle ${spec.name}\\b`);
      expect(examples.some((l) => word.test(l))).toBe(true);
    }
  });

  it('lists every config and environment key that src/config reads', async () => {
    const environment = section(await help(['--help']), 'Environment');
    const keys = environment.filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split('=')[0]);
    expect(keys).toEqual([...CFG_KEYS]);
    expect(environment).toContainEqual(expect.stringMatching(/^ {2}MK_BUNDLE_TYPE=dev\|prod\|debug +as /));
    expect(environment).toContainEqual(expect.stringMatching(/^ {2}MK_BUNDLE_BUILTIN_LIST=FILE +as --builtin-list$/));
  });

  it("lists every error class's exit status", async () => {
    const statuses = section(await help(['--help']), 'Exit status').map((l) => Number(l.trim().split(' ')[0]));
    const errors = [
      new UsageError(''),
      new InputError(''),
      new FetchError(''),
      new IntegrityError(''),
      new ArchiveError(''),
      new SquashfsError(''),
      new DeflateError('', 'ENOMEM'),
      new ToolMissingError('', ''),
      new AddonError(''),
    ];
    for (const error of errors) expect(statuses).toContain(error.exitCode);
    expect(statuses).toEqual(expect.arrayContaining([0, 70, 130, 143]));
  });

  it("diff's and verify's help give their own statuses", async () => {
    const diff = section(await help(['diff', '--help']), 'Exit status');
    expect(diff.slice(0, 3).map((l) => l.trim().replace(/\s+/g, ' '))).toEqual([
      '0 A and B hold the same',
      '1 A and B differ',
      '2 a usage mistake, or a file that cannot be read (never 1, which says they',
    ]);
    const verify = section(await help(['verify', '--help']), 'Exit status');
    expect(verify).toContainEqual(expect.stringMatching(/^ {2}4 +problems found: one line each on stdout$/));
  });

  it('says how settings rank', async () => {
    expect((await help(['--help'])).replace(/\s+/g, ' ')).toContain(
      'Settings come from the command line, then the -c config file (KEY=VALUE lines: MK_BUNDLE_* and DEB_MIRROR_URL), then the same names in the environment, then defaults',
    );
  });

  it("shows every command's options, each in its group, in lines of at most 80 columns", async () => {
    for (const { spec } of COMMANDS) {
      const text = await help([spec.name, '--help']);
      for (const option of spec.options) {
        expect(section(text, option.group).some((l) => l.startsWith(`  ${flagsText(option)}`))).toBe(true);
      }
      for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    }
  });
});

describe('mkbundle iso --help and ./rebuild-iso --help', () => {
  it('list the same options and notes, the program named as it was run', async () => {
    const stdout = new Sink();
    expect(await rebuildIsoMain('/b', ['--help'], { stdout, stderr: new Sink(), env: {} })).toBe(0);
    const iso = await help(['iso', '--help']);
    expect(stdout.text).toMatch(/^Usage: rebuild-iso \[VERSION\] \[OPTIONS\]\n/);
    for (const group of ['Output', 'Behaviour', 'Exit status'])
      expect(section(stdout.text, group)).toEqual(section(iso, group));
    const flat = (text: string) => text.replace(/\s+/g, ' ');
    for (const text of [flat(iso), flat(stdout.text)]) {
      expect(text).toContain('defaults to the version the bundle recorded');
      expect(text).toContain(
        '--compress libdeflate|max|advdef|gzip core.gz encoder: libdeflate (level 12 in gzip members cut between entries, the default)',
      );
    }
    expect(flat(stdout.text)).toContain('./rebuild-iso 0.9.0.1');
  });
});

describe('wrapText', () => {
  it('keeps every word, in order, in lines no wider than asked unless a word alone is wider', () => {
    const words = fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '-', '…'), minLength: 1, maxLength: 12 }));
    fc.assert(
      fc.property(words, fc.integer({ min: 1, max: 40 }), (list, width) => {
        const lines = wrapText(list.join(' '), width);
        expect(lines.join(' ').split(' ')).toEqual(list.length === 0 ? [''] : list);
        for (const line of lines) expect(line.length <= width || !line.includes(' ')).toBe(true);
      }),
    );
  });
});
