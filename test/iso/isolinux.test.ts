import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kernelCommandLine } from '../../src/iso/cmdline.js';
import { initrdList, rewriteInitrds, shortenBootTimeout, timeoutWarning } from '../../src/iso/isolinux.js';
import { isolinuxCfg as bootableCfg, TWO_INITRDS } from '../world/bootable/isolinux.js';
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

describe("isolinux.cfg initrds: the Core's files become the rebuilt one", () => {
  const REBUILT = 'boot/corepure64.gz';
  const rewrite = (cfg: string) => rewriteInitrds(cfg, TWO_INITRDS, REBUILT);

  it("the world's two-initrd CorePure64: every entry, `initrd` line and `append initrd=`, loads corepure64.gz", () => {
    const two = bootableCfg('x86_64', TWO_INITRDS);
    expect(two).toContain('\tinitrd /boot/rootfs64.gz,/boot/modules64.gz\n');
    expect(two).toContain('\tappend initrd=/boot/rootfs64.gz,/boot/modules64.gz loglevel=3');
    expect(rewrite(two)).toBe(bootableCfg('x86_64'));
  });

  it('leaves a one-initrd Core as it is, byte for byte', () => {
    for (const arch of ['x86', 'x86_64'] as const) {
      const cfg = bootableCfg(arch);
      const initrd = arch === 'x86' ? 'boot/core.gz' : REBUILT;
      expect(rewriteInitrds(cfg, [initrd], initrd)).toBe(cfg);
    }
    const relative = 'label a\n\tinitrd boot/corepure64.gz\n\tappend initrd=//boot/corepure64.gz quiet\n';
    expect(rewrite(relative)).toBe(relative);
  });

  it("keeps other initrds of a list where they are, the Core's collapsed at the first one's place", () => {
    expect(rewrite('append quiet initrd=/boot/extra.gz,/boot/rootfs64.gz,/boot/more.gz,/boot/modules64.gz x\n')).toBe(
      'append quiet initrd=/boot/extra.gz,/boot/corepure64.gz,/boot/more.gz x\n',
    );
    expect(rewrite('initrd /boot/modules64.gz\n')).toBe('initrd /boot/corepure64.gz\n');
    expect(rewrite('initrd /boot/corepure64.gz,/boot/modules64.gz\n')).toBe('initrd /boot/corepure64.gz\n');
    expect(rewrite('initrd /boot/other.gz\nappend initrd=/boot/other.gz\n')).toBe(
      'initrd /boot/other.gz\nappend initrd=/boot/other.gz\n',
    );
  });

  it('keyword case, indentation, CRLF and the rest of the line stay; comments and other keys do not change', () => {
    const cfg = [
      '# initrd /boot/rootfs64.gz',
      '  INITRD\t/boot/rootfs64.gz,/boot/modules64.gz \r',
      '\tAPPEND\tINITRD=/boot/rootfs64.gz,/boot/modules64.gz\tquiet\r',
      'append myinitrd=/boot/rootfs64.gz noinitrd=/boot/modules64.gz',
      'kernel /boot/vmlinuz64 initrd=/boot/rootfs64.gz',
      'initrdfoo /boot/rootfs64.gz',
      '',
    ].join('\n');
    expect(rewrite(cfg)).toBe(
      [
        '# initrd /boot/rootfs64.gz',
        '  INITRD\t/boot/corepure64.gz \r',
        '\tAPPEND\tINITRD=/boot/corepure64.gz\tquiet\r',
        'append myinitrd=/boot/rootfs64.gz noinitrd=/boot/modules64.gz',
        'kernel /boot/vmlinuz64 initrd=/boot/corepure64.gz',
        'initrdfoo /boot/rootfs64.gz',
        '',
      ].join('\n'),
    );
  });

  it("any list: the others in order, the Core's files (and the rebuilt one) once, at the first one's place; a fixed point", () => {
    const CORE = new Set<string>([...TWO_INITRDS, REBUILT]);
    const name = fc.constantFrom(...CORE, 'boot/extra.gz', 'boot/other.gz', 'boot/rootfs64.gz.bak');
    const written = fc.tuple(name, fc.constantFrom('', '/', '//'));
    fc.assert(
      fc.property(fc.array(written, { minLength: 1, maxLength: 6 }), fc.boolean(), (parts, asLine) => {
        const list = parts.map(([n, slash]) => `${slash}${n}`).join(',');
        const cfg = asLine ? `label a\n\tinitrd ${list}\n` : `label a\n\tappend quiet initrd=${list} x\r\n`;
        const out = rewrite(cfg);
        const value = (asLine ? /initrd (\S+)\n/ : /initrd=(\S+) x\r\n/).exec(out)?.[1] ?? '';
        const names = parts.map(([n]) => n);
        const first = names.findIndex((n) => CORE.has(n));
        const expected = names.flatMap((n, i) => (!CORE.has(n) ? [n] : i === first ? [REBUILT] : []));
        expect(initrdList(value)).toEqual(expected);
        expect(out.replace(value, 'LIST')).toBe(cfg.replace(list, 'LIST'));
        expect(rewrite(out)).toBe(out);
      }),
    );
  });

  it('the command line grub.cfg and the PXE files take from the rewritten file names no initrd', () => {
    expect(kernelCommandLine(rewrite(bootableCfg('x86_64', TWO_INITRDS)), 'tce=sda1')).toBe(
      'loglevel=3 console=ttyS0,115200 panic=1 tce=sda1',
    );
  });
});
