import { describe, expect, it } from 'vitest';
import { bootLine } from '../../src/inspect/isolinux.js';

describe('bootLine', () => {
  it("reads the default label's kernel, initrd and append", () => {
    const cfg =
      'display boot.msg\ndefault microcore\nlabel mc\n\tkernel /boot/other\nlabel microcore\n\tkernel /boot/vmlinuz\n\tinitrd /boot/core.gz\n\tappend loglevel=3\n';
    expect(bootLine(cfg)).toEqual({
      label: 'microcore',
      kernel: '/boot/vmlinuz',
      initrd: '/boot/core.gz',
      append: 'loglevel=3',
    });
  });

  it('takes initrd= from append, LINUX for KERNEL, any case, CRLF, and the first label without a default', () => {
    const cfg = 'LABEL mc\r\n  LINUX /boot/vmlinuz64\r\n  APPEND initrd=/boot/corepure64.gz quiet\r\n';
    expect(bootLine(cfg)).toEqual({
      label: 'mc',
      kernel: '/boot/vmlinuz64',
      initrd: '/boot/corepure64.gz',
      append: 'initrd=/boot/corepure64.gz quiet',
    });
  });

  it('says nothing it does not know: a default with no such label', () => {
    expect(bootLine('default nowhere\nlabel other\nkernel /k\n')).toEqual({
      label: 'nowhere',
      kernel: null,
      initrd: null,
      append: null,
    });
  });
});
