/**
 * GRUB's configuration for the EFI boot: the same kernel, initramfs and
 * command line as ISOLINUX's default label, on the same serial console.
 * Pure text in, text out; efi.ts writes the files.
 */

/** ISOLINUX's `serial PORT [BAUD]`: ports 0–3 are COM1–COM4, anything else an I/O port address. */
export interface SerialConsole {
  readonly port: number;
  readonly baud: number;
}

/** Syslinux's default when `serial` names no speed. */
const SYSLINUX_DEFAULT_BAUD = 9600;

const words = (cfg: string): string[][] =>
  cfg
    .split(/\r?\n/)
    .map((line) => line.trim().split(/\s+/))
    .filter((line) => line[0] !== undefined && line[0] !== '' && !line[0].startsWith('#'));

const keyword = (line: readonly string[]) => (line[0] ?? '').toLowerCase();

/** Syslinux reads numbers as C does: decimal, 0x hex or 0 octal. */
function syslinuxNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(text)) return undefined;
  return /^0[0-7]/.test(text) ? Number.parseInt(text, 8) : Number(text);
}

/** The last `serial` line of isolinux.cfg, or undefined when ISOLINUX talks to the screen only. */
export function isolinuxSerial(cfg: string): SerialConsole | undefined {
  const line = words(cfg)
    .filter((l) => keyword(l) === 'serial')
    .at(-1);
  const port = syslinuxNumber(line?.[1]);
  if (port === undefined) return undefined;
  return { port, baud: syslinuxNumber(line?.[2]) ?? SYSLINUX_DEFAULT_BAUD };
}

/**
 * How long GRUB shows its menu, in seconds, to match ISOLINUX: with
 * `prompt 0` ISOLINUX boots the default at once; with a prompt it waits
 * `timeout` tenths of a second, and for ever at `timeout 0` (GRUB's -1).
 */
export function isolinuxMenuSeconds(cfg: string): number {
  const lines = words(cfg);
  const value = (key: string) => syslinuxNumber(lines.filter((l) => keyword(l) === key).at(-1)?.[1]);
  if ((value('prompt') ?? 0) === 0) return 0;
  const tenths = value('timeout') ?? 0;
  return tenths === 0 ? -1 : Math.ceil(tenths / 10);
}

/** The name of isolinux.cfg's default label, the menu entry's title. */
export function isolinuxDefaultLabel(cfg: string): string | undefined {
  return words(cfg).find((l) => keyword(l) === 'default')?.[1];
}

/** Characters GRUB's script reads literally outside quotes. */
const PLAIN = /^[A-Za-z0-9_.,:=/+@%^~-]+$/;

/** One word for GRUB's script: as it is when plain, else single-quoted (GRUB has no escapes inside '…'). */
export function grubWord(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface GrubMenu {
  readonly title: string;
  /** Paths in the ISO, from its root. */
  readonly kernel: string;
  readonly initrd: string;
  readonly cmdline: string;
  readonly serial: SerialConsole | undefined;
  readonly timeoutSeconds: number;
}

function serialLines(serial: SerialConsole | undefined): string[] {
  if (serial === undefined) return [];
  const where = serial.port <= 3 ? `--unit=${serial.port}` : `--port=0x${serial.port.toString(16)}`;
  return [`serial ${where} --speed=${serial.baud}`, 'terminal_input serial console', 'terminal_output serial console'];
}

const rooted = (path: string) => (path.startsWith('/') ? path : `/${path}`);

/** grub.cfg's text: one entry, booted after `timeoutSeconds`. */
export function grubCfg(menu: GrubMenu): string {
  const args = menu.cmdline.split(/\s+/).filter(Boolean).map(grubWord);
  return [
    ...serialLines(menu.serial),
    'set default=0',
    `set timeout=${menu.timeoutSeconds}`,
    `menuentry ${grubWord(menu.title)} {`,
    `\tlinux ${[grubWord(rooted(menu.kernel)), ...args].join(' ')}`,
    `\tinitrd ${grubWord(rooted(menu.initrd))}`,
    '}',
    '',
  ].join('\n');
}

/**
 * The configuration built into BOOTX64.EFI: find the ISO's file system by a
 * file only this build has (the firmware may have started GRUB from the El
 * Torito image, or from the ESP of the stick, or another disk may carry a
 * GRUB too), then read its grub.cfg.
 */
export function grubEmbeddedCfg(idFile: string, grubDir: string): string {
  return [
    `search --no-floppy --set=root --file ${grubWord(rooted(idFile))}`,
    `set prefix=($root)${grubWord(rooted(grubDir))}`,
    `configfile ($root)${grubWord(`${rooted(grubDir)}/grub.cfg`)}`,
    '',
  ].join('\n');
}
