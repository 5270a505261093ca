import type { RunFacts } from './json.js';
import type { StepId, StepTime } from './steps.js';

/** What a record reads of a progress event: step starts, warnings, notes and the end. */
export interface RecordedEvent {
  readonly type: string;
  readonly id?: StepId;
  readonly name?: string;
  readonly message?: string;
}

/**
 * What a run reported, for its summary and its `--json` document: the
 * warnings and notes in order, and the time of each step, from one step's
 * start to the next's (or to `done`). Both stages report through one, so
 * their steps are timed alike.
 */
export class RunRecord {
  readonly warnings: string[] = [];
  readonly notes: string[] = [];
  dryRun = false;
  private readonly finished: (StepTime & { readonly name: string })[] = [];
  private running: { readonly id: StepId; readonly name: string; readonly start: number } | undefined;
  private readonly started: number;

  constructor(
    /** Known once the command line is parsed: until then, the default command. */
    public command: string,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  observe(event: RecordedEvent): void {
    switch (event.type) {
      case 'step':
        this.endStep();
        if (event.id !== undefined) this.running = { id: event.id, name: event.name ?? event.id, start: this.now() };
        return;
      case 'warning':
        if (event.message !== undefined) this.warnings.push(event.message);
        return;
      case 'notice':
        if (event.message !== undefined) this.notes.push(event.message);
        return;
      case 'done':
        this.endStep();
        return;
    }
  }

  /** The step running now: after a failure, the one that failed. */
  get step(): StepId | undefined {
    return this.running?.id;
  }

  /** The steps that finished, with the names the screen showed. */
  get steps(): readonly (StepTime & { readonly name: string })[] {
    return this.finished;
  }

  facts(): RunFacts {
    return {
      command: this.command,
      dryRun: this.dryRun,
      warnings: this.warnings,
      notes: this.notes,
      steps: this.finished.map(({ id, seconds }) => ({ id, seconds })),
      seconds: (this.now() - this.started) / 1000,
    };
  }

  private endStep(): void {
    if (this.running === undefined) return;
    const { id, name, start } = this.running;
    this.finished.push({ id, name, seconds: (this.now() - start) / 1000 });
    this.running = undefined;
  }
}
