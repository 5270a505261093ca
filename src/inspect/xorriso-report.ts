import type { ElToritoImage } from './types.js';

/** What xorriso's `-pvd_info -report_el_torito plain -report_system_area plain` say of an ISO. */
export interface IsoBootReport {
  readonly volumeId: string | null;
  readonly catalog: string | null;
  readonly images: readonly ElToritoImage[];
  readonly systemArea: string | null;
}

const LINE = /^([A-Za-z][A-Za-z /.]*?)\s*:\s?(.*)$/;
const IMAGE = /^(\d+)\s+(\S+)\s+([yn])\s+(\S+)\s+\S+\s+\S+\s+(\d+)\s+(\d+)$/;
const IMAGE_PATH = /^(\d+)\s+(.*)$/;

/** The `Key : value` report lines xorriso prints, read. Lines it does not know are skipped. */
export function parseBootReport(text: string): IsoBootReport {
  let volumeId: string | null = null;
  let catalog: string | null = null;
  let systemArea: string | null = null;
  const images = new Map<number, { image?: Omit<ElToritoImage, 'path'>; path?: string }>();
  const slot = (n: number) => {
    const known = images.get(n) ?? {};
    images.set(n, known);
    return known;
  };
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const [, key = '', value = ''] = match;
    const trimmed = value.trim();
    switch (key) {
      case 'Volume Id':
        volumeId = trimmed;
        break;
      case 'El Torito cat path':
        catalog = trimmed.replace(/^\/+/, '');
        break;
      case 'System area summary':
        systemArea = trimmed;
        break;
      case 'El Torito boot img': {
        const image = IMAGE.exec(trimmed);
        if (image === null) break;
        const [, n = '0', platform = '', bootable = 'n', emulation = '', loadSize = '0', lba = '0'] = image;
        slot(Number(n)).image = {
          platform,
          bootable: bootable === 'y',
          emulation,
          loadSize: Number(loadSize),
          lba: Number(lba),
        };
        break;
      }
      case 'El Torito img path': {
        const path = IMAGE_PATH.exec(trimmed);
        if (path !== null) slot(Number(path[1])).path = (path[2] ?? '').replace(/^\/+/, '');
        break;
      }
    }
  }
  const listed = [...images.entries()].sort(([a], [b]) => a - b);
  return {
    volumeId,
    catalog,
    images: listed.flatMap(([, { image, path }]) => (image === undefined ? [] : [{ ...image, path: path ?? null }])),
    systemArea,
  };
}
