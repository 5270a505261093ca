/** What `mkbundle verify` found: ok when there is no problem. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly kind: 'iso' | 'bundle';
  /** One line each, content quoted. */
  readonly problems: readonly string[];
  readonly checked: {
    /** Extensions (`.tcz`) checked: the onboot ones and their `.dep` closure. */
    readonly extensions: number;
    /** `.dep` files read as tce-load reads them. */
    readonly deps: number;
    /** Manifest lines compared with the initramfs (ISO), or bundle.json `files` records checked (bundle). */
    readonly manifestEntries: number;
    /** Dynamically linked ELF files whose libraries were looked for. */
    readonly elfFiles: number;
  };
}
