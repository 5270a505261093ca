import { describe, expect, it } from 'vitest';
import { shortenBootTimeout, timeoutWarning } from '../../src/iso/isolinux.js';
import { isolinuxCfg } from '../world/core-iso.js';

/** Core 4.x's isolinux.cfg, as the test world's Core ISO carries it. */
const CORE_CFG = isolinuxCfg('x86');

describe('isolinux.cfg timeout', () => {
  it("changes Core's 'timeout 300' to 'timeout 100' and nothing else", () => {
    const edit = shortenBootTimeout(CORE_CFG);
    expect(edit.kind).toBe('shortened');
    expect(edit.text).toBe(CORE_CFG.replace('timeout 300', 'timeout 100'));
    expect(timeoutWarning(edit)).toBeUndefined();
  });

  it('keeps CRLF line ends, indentation, spacing and the keyword case', () => {
    const cfg = 'default microcore\r\n  TIMEOUT\t300 \r\nprompt 1\r\n';
    expect(shortenBootTimeout(cfg).text).toBe('default microcore\r\n  TIMEOUT\t100 \r\nprompt 1\r\n');
  });

  it('changes every timeout 300 line, also the last one without a newline', () => {
    expect(shortenBootTimeout('timeout 300\nlabel a\ntimeout 300').text).toBe('timeout 100\nlabel a\ntimeout 100');
  });

  it.each(['timeout 3000', 'timeout 30', 'timeout 0300', 'totaltimeout 300', '# timeout 300', 'timeout 300 600'])(
    'leaves %j alone',
    (line) => {
      const cfg = `prompt 1\n${line}\n`;
      expect(shortenBootTimeout(cfg).text).toBe(cfg);
    },
  );

  it('reports another timeout value, which it keeps', () => {
    const edit = shortenBootTimeout('prompt 1\ntimeout 50\n');
    expect(edit).toEqual({ kind: 'kept', text: 'prompt 1\ntimeout 50\n', timeouts: ['50'] });
    expect(timeoutWarning(edit)).toBe(
      "boot/isolinux/isolinux.cfg: kept 'timeout 50' (only Core's 'timeout 300' becomes 'timeout 100')",
    );
  });

  it('reports a missing timeout line', () => {
    const edit = shortenBootTimeout('prompt 1\n');
    expect(edit).toEqual({ kind: 'absent', text: 'prompt 1\n' });
    expect(timeoutWarning(edit)).toBe("boot/isolinux/isolinux.cfg: no 'timeout' line, left as it is");
  });

  it('keeps bytes that are not UTF-8 (read and written as latin1)', () => {
    const cfg = Buffer.from([...Buffer.from('menu title '), 0xe9, 0xff, ...Buffer.from('\ntimeout 300\n')]);
    const out = Buffer.from(shortenBootTimeout(cfg.toString('latin1')).text, 'latin1');
    expect(out).toEqual(Buffer.from(cfg.toString('latin1').replace('timeout 300', 'timeout 100'), 'latin1'));
    expect(out.subarray(11, 13)).toEqual(Buffer.from([0xe9, 0xff]));
  });
});
