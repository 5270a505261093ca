import { describe, expect, it } from 'vitest';
import { ToolMissingError } from '../../src/errors.js';
import { findTool, requireTool } from '../../src/tools/which.js';

describe('findTool / requireTool', () => {
  it('finds the programs the stages run, sbin included', async () => {
    expect(await requireTool('xorriso')).toMatch(/\/xorriso$/);
    expect(await findTool('depmod')).toMatch(/\/s?bin\/depmod$/);
    expect(await findTool('ldconfig')).toMatch(/\/sbin\/ldconfig$/);
  });

  it('names the Debian package of a missing program', () => {
    const error = new ToolMissingError('advdef', 'advancecomp');
    expect(error.message).toBe(
      "advdef not found: install the Debian package 'advancecomp' (apt-get install advancecomp)",
    );
    expect(error.exitCode).toBe(6);
  });
});
