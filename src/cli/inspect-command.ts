import { UsageError } from '../errors.js';
import { DEFAULT_DEPTH, formatInspect, inspect } from '../inspect/index.js';
import { jsonLine, reportDocument } from '../output/json.js';
import { checkValues, last } from './parse.js';
import type { Command } from './program.js';
import { COMMON_OPTIONS, JSON_OPTION, VERBOSE_OPTION } from './spec.js';

export const INSPECT_COMMAND: Command = {
  spec: {
    name: 'inspect',
    program: 'mkbundle inspect',
    summary: 'what a bundle, an ISO, a core.gz or a .tcz is and holds',
    synopsis: 'FILE [OPTIONS]',
    description: [
      'Says what FILE is and shows the first levels of its tree, with sizes and hashes, and what its bundle.json, iso-metadata.yaml or manifest records.',
    ],
    positionals: [{ name: 'FILE', describe: 'a bundle (.tar.gz or unpacked directory), an ISO, a core.gz or a .tcz' }],
    options: [
      {
        long: 'depth',
        value: 'N',
        number: true,
        describe: `how many levels of the tree to show (default: ${DEFAULT_DEPTH})`,
        group: 'Output',
      },
      JSON_OPTION,
      VERBOSE_OPTION,
      ...COMMON_OPTIONS,
    ],
    examples: [
      { line: 'mkbundle inspect build-files/razor-microkernel-bundle-prod.tar.gz', describe: "the bundle's facts" },
      { line: 'mkbundle inspect rz_mk_prod-image.0.9.0.1.iso --depth 3', describe: 'three levels of the ISO' },
    ],
    notes: [],
  },
  async run(parsed, words, io, record) {
    const [file, ...extra] = words;
    if (file === undefined || extra.length > 0) {
      throw new UsageError(`expected one FILE, got ${words.length} arguments`);
    }
    checkValues(parsed, this.spec);
    const depth = last(parsed.depth) as number | undefined;
    if (depth !== undefined && !(Number.isInteger(depth) && depth >= 0)) {
      throw new UsageError('--depth: expected a whole number, 0 or more');
    }
    const report = await inspect(file, depth === undefined ? {} : { depth });
    io.stdout.write(
      last(parsed.json) ? jsonLine(reportDocument(record.facts(), report, { exitCode: 0 })) : formatInspect(report),
    );
    return 0;
  },
};
