import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { packageRoot } from '../../src/version.js';

/** docs/mkbundle.schema.json, compiled once per test file. */
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync(join(packageRoot(), 'docs', 'mkbundle.schema.json'), 'utf8')),
);

/** The problems of `value` against the schema, one line each; empty when it conforms. */
export function schemaProblems(value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** A run's --json stdout as the contract has it: one document on one line, valid against the schema. */
// biome-ignore lint/suspicious/noExplicitAny: tests read the fields the contract documents
export function parseRunJson(stdout: string): any {
  expect(stdout.endsWith('\n'), JSON.stringify(stdout.slice(-200))).toBe(true);
  expect(stdout.slice(0, -1)).not.toContain('\n');
  const document: unknown = JSON.parse(stdout);
  expect(schemaProblems(document)).toEqual([]);
  return document;
}
