import { quoted } from '../config/quote.js';
import { diff, formatDiff } from '../diff/index.js';
import { UsageError } from '../errors.js';
import { jsonLine, reportDocument } from '../output/json.js';
import { last } from './parse.js';
import type { Command } from './program.js';
import { COMMON_OPTIONS, JSON_OPTION, VERBOSE_OPTION } from './spec.js';

/** As diff(1) has it: 1 says the two differ, so every failure, a usage mistake too, is 2 or more. */
const DIFFER_EXIT = 1;
const USAGE_EXIT = 2;

export const DIFF_COMMAND: Command = {
  usageExit: USAGE_EXIT,
  spec: {
    name: 'diff',
    program: 'mkbundle diff',
    summary: 'what was added, removed or changed between two bundles or two ISOs, by path',
    synopsis: 'A B [OPTIONS]',
    description: ['Compares two bundles or two ISOs path by path: what B adds, removes or changes against A.'],
    positionals: [
      { name: 'A', describe: 'a bundle or an ISO' },
      { name: 'B', describe: 'another of the same kind' },
    ],
    options: [JSON_OPTION, VERBOSE_OPTION, ...COMMON_OPTIONS],
    examples: [
      {
        line: 'mkbundle diff old/razor-microkernel-bundle-prod.tar.gz build-files/razor-microkernel-bundle-prod.tar.gz',
        describe: 'what changed since the last build',
      },
    ],
    notes: [],
    exits: [
      [0, 'A and B hold the same'],
      [DIFFER_EXIT, 'A and B differ'],
      [USAGE_EXIT, 'a usage mistake, or a file that cannot be read (never 1, which says they differ)'],
    ],
  },
  async run(parsed, words, io, record) {
    const [a, b, ...extra] = words;
    if (a === undefined || b === undefined || extra.length > 0) {
      throw new UsageError(`expected two files, A and B, got ${words.length}`);
    }
    const report = await diff(a, b);
    const exitCode = report.same ? 0 : DIFFER_EXIT;
    if (!last(parsed.json)) {
      io.stdout.write(formatDiff(report));
      return exitCode;
    }
    const error = { code: 'different' as const, message: `${quoted(a)} and ${quoted(b)} differ` };
    const outcome = report.same ? { exitCode: 0 as const } : { exitCode, error };
    io.stdout.write(jsonLine(reportDocument(record.facts(), report, outcome)));
    return exitCode;
  },
};
