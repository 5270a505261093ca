import {
  cachePath,
  formatCacheListing,
  formatPruneReport,
  formatVerifyReport,
  listCache,
  pruneCache,
  verifyCache,
} from '../cache/index.js';
import { parseDuration } from '../config/duration.js';
import { quoted } from '../config/quote.js';
import { parseSize } from '../config/size.js';
import { UsageError } from '../errors.js';
import { jsonLine, reportDocument } from '../output/json.js';
import { checkValues, last, type ParsedArgs } from './parse.js';
import type { Command } from './program.js';
import { COMMON_OPTIONS, JSON_OPTION, VERBOSE_OPTION } from './spec.js';
import { suggest } from './suggest.js';

const ACTIONS = ['ls', 'verify', 'prune', 'path'] as const;
type Action = (typeof ACTIONS)[number];

function action(word: string | undefined): Action {
  if (word === undefined) throw new UsageError(`expected what to do: ${ACTIONS.join(', ')}`);
  const found = ACTIONS.find((a) => a === word);
  if (found !== undefined) return found;
  const near = suggest(word, ACTIONS);
  throw new UsageError(
    `unknown cache action ${quoted(word)}${near === undefined ? '' : ` (did you mean '${near}'?)`}: expected ${ACTIONS.join(', ')}`,
  );
}

/** The value of a prune limit, parsed, with the option named in a mistake. */
function limitValue<T>(parsed: ParsedArgs, key: string, flag: string, parse: (text: string) => T): T | undefined {
  const text = last(parsed[key]) as string | undefined;
  if (text === undefined) return undefined;
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}

export const CACHE_COMMAND: Command = {
  spec: {
    name: 'cache',
    program: 'mkbundle cache',
    summary: 'list, verify, prune or locate the download cache',
    synopsis: 'ls|verify|prune|path [OPTIONS]',
    description: [
      'ls lists every cached URL with its size, sha256 and last use, and what nothing names (orphan blobs, left-over temp files). verify rehashes every blob, removes damaged ones and drops the index entries that name them. prune removes entries not used within --older-than, then the least recently used until the blobs fit in --max-size, then blobs nothing names. path prints the cache directory.',
      'All four are safe while builds run on the same cache: what a running build uses is kept, whatever the limits.',
    ],
    positionals: [{ name: 'ls|verify|prune|path', describe: 'what to do' }],
    options: [
      {
        long: 'cache-dir',
        value: 'DIR',
        describe: 'the download cache (default: $XDG_CACHE_HOME/mkbundle or ~/.cache/mkbundle)',
        group: 'Inputs',
      },
      {
        long: 'older-than',
        value: 'AGE',
        describe: 'prune: entries last used longer ago than AGE (30d, 12h, 90m; units s, m, h, d, w)',
        group: 'Behaviour',
      },
      {
        long: 'max-size',
        value: 'SIZE',
        describe: 'prune: then the least recently used until the blobs take at most SIZE (bytes, or with K, M, G)',
        group: 'Behaviour',
      },
      JSON_OPTION,
      VERBOSE_OPTION,
      ...COMMON_OPTIONS,
    ],
    examples: [
      { line: 'mkbundle cache ls', describe: 'every cached URL, its size and last use' },
      { line: 'mkbundle cache prune --older-than 30d --max-size 2G', describe: 'keep a month, at most 2 GiB' },
      { line: 'du -sh "$(mkbundle cache path)"', describe: 'where it is, for other tools' },
    ],
    notes: [],
  },
  async run(parsed, words, io, record) {
    const [word, ...extra] = words;
    const what = action(word);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${quoted(extra[0] ?? '')}`);
    checkValues(parsed, this.spec);
    const olderThanMs = limitValue(parsed, 'olderThan', '--older-than', parseDuration);
    const maxBytes = limitValue(parsed, 'maxSize', '--max-size', parseSize);
    if (what !== 'prune' && (olderThanMs !== undefined || maxBytes !== undefined)) {
      throw new UsageError('--older-than and --max-size are for cache prune');
    }
    const dir = cachePath(io.env, last(parsed.cacheDir) as string | undefined);
    const json = last(parsed.json) === true;
    const emit = (report: unknown, text: string) =>
      io.stdout.write(
        json ? jsonLine(reportDocument(record.facts(), report, { exitCode: 0 })) : text.replace(/\n?$/, '\n'),
      );
    switch (what) {
      case 'path':
        emit({ dir }, `${dir}\n`);
        break;
      case 'ls': {
        const listing = await listCache(dir);
        emit(listing, formatCacheListing(listing));
        break;
      }
      case 'verify': {
        const report = await verifyCache(dir);
        emit(report, formatVerifyReport(report));
        break;
      }
      case 'prune': {
        const report = await pruneCache(dir, {
          ...(olderThanMs === undefined ? {} : { olderThanMs }),
          ...(maxBytes === undefined ? {} : { maxBytes }),
        });
        emit(report, formatPruneReport(report));
        break;
      }
    }
    return 0;
  },
};
