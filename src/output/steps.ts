/**
 * The steps of both stages, by stable id: what `--json` reports their times
 * under (the names shown on screen are prose and may change).
 */
export const STEP_IDS = [
  'project-files',
  'download',
  'overlay',
  'write-bundle',
  'open-bundle',
  'verify-bundle',
  'read-core-iso',
  'merge',
  'compress',
  'write-iso',
] as const;

export type StepId = (typeof STEP_IDS)[number];

export interface StepTime {
  readonly id: StepId;
  readonly seconds: number;
}
