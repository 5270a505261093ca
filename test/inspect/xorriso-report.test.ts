import { describe, expect, it } from 'vitest';
import { parseBootReport } from '../../src/inspect/xorriso-report.js';

/** xorriso 1.5.4's `-pvd_info -report_el_torito plain -report_system_area plain` for an ISO mkbundle made. */
const REPORT = `Drive current: -indev 'rz_mk_dev-image.1.0.iso'
PVD address  : 16s
Volume Id    : Razor MK 1.0
Volume Set Id: 
Preparer Id  : MKBUNDLE 0.1.0 (VM)
El Torito catalog  : 58  1
El Torito cat path : /boot/isolinux/boot.cat
El Torito images   :   N  Pltf  B   Emul  Ld_seg  Hdpt  Ldsiz         LBA
El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4          59
El Torito boot img :   2  UEFI  y   none  0x0000  0x00   5760          80
El Torito img path :   1  /boot/isolinux/isolinux.bin
El Torito img path :   2  /efi.img
El Torito img opts :   1  boot-info-table isohybrid-suitable
System area options: 0x00000102
System area summary: MBR isohybrid cyl-align-on
MBR partition      :   1   0x80  0x17           64         4032
`;

describe('parseBootReport', () => {
  it('reads the volume id, the El Torito images and the system area', () => {
    expect(parseBootReport(REPORT)).toEqual({
      volumeId: 'Razor MK 1.0',
      catalog: 'boot/isolinux/boot.cat',
      images: [
        {
          platform: 'BIOS',
          bootable: true,
          emulation: 'none',
          loadSize: 4,
          lba: 59,
          path: 'boot/isolinux/isolinux.bin',
        },
        { platform: 'UEFI', bootable: true, emulation: 'none', loadSize: 5760, lba: 80, path: 'efi.img' },
      ],
      systemArea: 'MBR isohybrid cyl-align-on',
    });
  });

  it('gives nulls and no images for an ISO without a boot record', () => {
    expect(parseBootReport('PVD address  : 16s\nVolume Id    : ISOIMAGE\n')).toEqual({
      volumeId: 'ISOIMAGE',
      catalog: null,
      images: [],
      systemArea: null,
    });
  });
});
