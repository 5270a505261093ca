import { IntegrityError, UsageError } from '../errors.js';
import { jsonLine, reportDocument } from '../output/json.js';
import { formatVerify, verify } from '../verify/index.js';
import { last } from './parse.js';
import type { Command } from './program.js';
import { COMMON_OPTIONS, JSON_OPTION, VERBOSE_OPTION } from './spec.js';

/** The exit status of a verify that found problems: a checksum's. */
const PROBLEMS_EXIT = new IntegrityError('').exitCode;

export const VERIFY_COMMAND: Command = {
  spec: {
    name: 'verify',
    program: 'mkbundle verify',
    summary: 'check that an ISO or a bundle will boot what it says',
    synopsis: 'ISO|BUNDLE [OPTIONS]',
    description: [
      "Checks that every onboot extension and its .dep closure is in the image with the right md5, that every .dep reads as Tiny Core's tce-load reads it, that the manifest matches the initramfs, and that every ELF file of the overlay finds its DT_NEEDED libraries inside the image.",
    ],
    positionals: [{ name: 'ISO|BUNDLE', describe: 'an ISO, or a bundle (.tar.gz or unpacked directory)' }],
    options: [JSON_OPTION, VERBOSE_OPTION, ...COMMON_OPTIONS],
    examples: [
      { line: 'mkbundle verify rz_mk_prod-image.0.9.0.1.iso', describe: 'nothing, exit 0; else one line per problem' },
    ],
    notes: [],
    exits: [
      [0, 'no problem found'],
      [PROBLEMS_EXIT, 'problems found: one line each on stdout'],
    ],
  },
  async run(parsed, words, io, record) {
    const [file, ...extra] = words;
    if (file === undefined || extra.length > 0) {
      throw new UsageError(`expected one ISO or bundle, got ${words.length} arguments`);
    }
    const report = await verify(file);
    const exitCode = report.ok ? 0 : PROBLEMS_EXIT;
    if (!last(parsed.json)) {
      io.stdout.write(formatVerify(report));
      return exitCode;
    }
    const message = `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} found`;
    const outcome = report.ok ? { exitCode: 0 as const } : { exitCode, error: { code: 'integrity' as const, message } };
    io.stdout.write(jsonLine(reportDocument(record.facts(), report, outcome)));
    return exitCode;
  },
};
