import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
import { HttpError, statusFailure } from '../../src/fetch/failure.js';
import {
  ERROR_CODES,
  errorRecord,
  failureDocument,
  jsonLine,
  type RunFacts,
  successDocument,
} from '../../src/output/json.js';
import { RunRecord } from '../../src/output/record.js';
import { STEP_IDS } from '../../src/output/steps.js';
import { packageRoot } from '../../src/version.js';
import { parseRunJson, schemaProblems } from '../helpers/json-schema.js';

const schema = JSON.parse(readFileSync(join(packageRoot(), 'docs', 'mkbundle.schema.json'), 'utf8'));
const docs = readFileSync(join(packageRoot(), 'docs', 'json.md'), 'utf8');

const run: RunFacts = { command: 'bundle', dryRun: false, warnings: [], notes: [], steps: [], seconds: 0.1234 };
const SHA = 'e'.repeat(64);

describe('error codes', () => {
  it.each([
    [new UsageError('u'), 'usage'],
    [new InputError('i'), 'input'],
    [new FetchError('f'), 'fetch'],
    [new IntegrityError('c'), 'integrity'],
    [new ArchiveError('a'), 'archive'],
    [new SquashfsError('s'), 'archive.squashfs'],
    [new AddonError('n'), 'tool-missing.addon'],
    [new TypeError('t'), 'internal'],
    ['a string', 'internal'],
  ])('%s is %s', (error, code) => {
    expect(errorRecord(error, 'm')).toEqual({ code, message: 'm' });
  });

  it('the facts an error carries: URL and status, program and package, the addon code', () => {
    const http = new HttpError('http://u:p@h/x.tcz', statusFailure(404, undefined), 1);
    expect(errorRecord(http, 'm')).toEqual({
      code: 'fetch.status',
      message: 'm',
      url: 'http://***@h/x.tcz',
      status: 404,
    });
    const timeout = new HttpError('http://h/x', { kind: 'timeout', phase: 'idle', ms: 30000 }, 3);
    expect(errorRecord(timeout, 'm')).toEqual({ code: 'fetch.timeout', message: 'm', url: 'http://h/x' });
    expect(errorRecord(new ToolMissingError('xorriso', 'xorriso'), 'm')).toEqual({
      code: 'tool-missing',
      message: 'm',
      program: 'xorriso',
      package: 'xorriso',
    });
    expect(errorRecord(new DeflateError('d', 'ENOMEM'), 'm')).toEqual({
      code: 'archive.deflate',
      message: 'm',
      reason: 'ENOMEM',
    });
  });

  it('the code list, the step ids and the schema agree, and docs/json.md lists every code and step', () => {
    expect(schema.$defs.error.properties.code.enum).toEqual([...ERROR_CODES]);
    expect(schema.$defs.stepId.enum).toEqual([...STEP_IDS]);
    for (const name of [...ERROR_CODES, ...STEP_IDS]) expect(docs).toContain(`\`${name}\``);
  });
});

describe('documents', () => {
  it('success and failure share one shape on one line, nothing a terminal acts on', () => {
    const output = { kind: 'iso', path: '/o/x.iso', size: 1, sha256: SHA, replaced: false } as const;
    const facts = {
      flavour: 'dev',
      version: '1.0',
      hybrid: true,
      boot: 'both',
      verified: true,
      bootCodes: null,
      pxe: null,
      kernel: { path: 'boot/vmlinuz', sha256: SHA },
      initrd: {
        path: 'boot/core.gz',
        sha256: SHA,
        size: 1,
        originalSize: 1,
        cpioSize: 1,
        gzipSize: 1,
        entries: 1,
        members: 1,
        encoder: 'gzip',
        kept: 'gzip -9',
        compression: 'gzip -9',
        fallback: null,
      },
    };
    const ok = parseRunJson(jsonLine(successDocument({ ...run, command: 'iso' }, [output], 'iso', facts)));
    expect(Object.keys(ok)).toEqual([
      'schema',
      'ok',
      'exitCode',
      'command',
      'dryRun',
      'error',
      'warnings',
      'notes',
      'outputs',
      'steps',
      'seconds',
      'iso',
    ]);
    expect(ok.seconds).toBe(0.123);
    const failed = parseRunJson(
      jsonLine(failureDocument({ ...run, warnings: ['w\x1b[2J'] }, 3, { code: 'fetch', message: 'm' })),
    );
    expect(Object.keys(failed)).toEqual(Object.keys(ok).slice(0, -1));
    expect(jsonLine(failureDocument({ ...run, warnings: ['w\x1b'] }, 3, { code: 'fetch', message: 'm' }))).toContain(
      'w\\u001b',
    );
  });

  it('the schema has teeth: a missing key, a prose step, an unknown code or a failure with outputs is refused', () => {
    const ok = JSON.parse(jsonLine(successDocument(run, [], 'bundle', {})));
    expect(schemaProblems(ok)).not.toEqual([]);
    const failed = JSON.parse(jsonLine(failureDocument(run, 2, { code: 'input', message: 'm' })));
    expect(schemaProblems(failed)).toEqual([]);
    const { warnings: _, ...withoutWarnings } = failed;
    expect(schemaProblems(withoutWarnings)).not.toEqual([]);
    expect(schemaProblems({ ...failed, steps: [{ id: 'merge the initramfs', seconds: 1 }] })).not.toEqual([]);
    expect(schemaProblems({ ...failed, error: { code: 'InputError', message: 'm' } })).not.toEqual([]);
    expect(schemaProblems({ ...failed, exitCode: 0 })).not.toEqual([]);
    const output = { kind: 'bundle', path: '/b', size: 1, sha256: SHA, replaced: false };
    expect(schemaProblems({ ...failed, outputs: [output] })).not.toEqual([]);
  });
});

describe('RunRecord', () => {
  it('times each step from its start to the next one, and keeps warnings and notes in order', () => {
    let now = 1000;
    const record = new RunRecord('iso', () => now);
    record.observe({ type: 'step', id: 'open-bundle', name: 'bundle' });
    now += 500;
    record.observe({ type: 'warning', message: 'w1' });
    record.observe({ type: 'step', id: 'merge', name: 'merge the initramfs' });
    record.observe({ type: 'notice', message: 'n1' });
    now += 1250;
    expect(record.step).toBe('merge');
    record.observe({ type: 'done' });
    now += 100;
    expect(record.step).toBeUndefined();
    expect(record.steps).toEqual([
      { id: 'open-bundle', name: 'bundle', seconds: 0.5 },
      { id: 'merge', name: 'merge the initramfs', seconds: 1.25 },
    ]);
    expect(record.facts()).toEqual({
      command: 'iso',
      dryRun: false,
      warnings: ['w1'],
      notes: ['n1'],
      steps: [
        { id: 'open-bundle', seconds: 0.5 },
        { id: 'merge', seconds: 1.25 },
      ],
      seconds: 1.85,
    });
  });
});
