import { InputError } from '../errors.js';
import { quoted } from './quote.js';

/**
 * The keys read from a bundle.cfg and from the environment: the 2013
 * script's MK_BUNDLE_* keys and DEB_MIRROR_URL (which it read without the
 * prefix); MK_BUNDLE_MCOLLECTIVE_URL, _TC_VERSION, _ARCH, _DPKG_LIST,
 * _ERA, the _MAX_*_SIZE download limits and the _SHA256 pins are ours.
 */
export const CFG_KEYS = [
  'MK_BUNDLE_BUILTIN_LIST',
  'MK_BUNDLE_MIRROR_LIST',
  'MK_BUNDLE_TC_PASSWD',
  'MK_BUNDLE_RE_USE_PREV_DL',
  'MK_BUNDLE_OFFLINE',
  'MK_BUNDLE_TYPE',
  'MK_BUNDLE_TCL_MIRROR_URI',
  'MK_BUNDLE_TCL_ISO_URL',
  'MK_BUNDLE_RUBY_GEMS_URL',
  'MK_BUNDLE_OPEN_VM_TOOLS_URL',
  'MK_BUNDLE_GEM_SERVER_URI',
  'DEB_MIRROR_URL',
  'MK_BUNDLE_DPKG_LIST',
  'MK_BUNDLE_MCOLLECTIVE_URL',
  'MK_BUNDLE_TC_VERSION',
  'MK_BUNDLE_ARCH',
  'MK_BUNDLE_ERA',
  'MK_BUNDLE_MAX_METADATA_SIZE',
  'MK_BUNDLE_MAX_INDEX_SIZE',
  'MK_BUNDLE_MAX_PAYLOAD_SIZE',
  'MK_BUNDLE_TCL_ISO_SHA256',
  'MK_BUNDLE_RUBY_GEMS_SHA256',
  'MK_BUNDLE_MCOLLECTIVE_SHA256',
  'MK_BUNDLE_OPEN_VM_TOOLS_SHA256',
] as const;
export type CfgKey = (typeof CFG_KEYS)[number];
export type CfgValues = Partial<Record<CfgKey, string>>;

/** A parsed bundle.cfg: its values, the line each was read from, and warnings about the rest. */
export interface CfgFile {
  readonly file: string;
  readonly values: CfgValues;
  /** The (last) line that set each key. */
  readonly lines: Partial<Record<CfgKey, number>>;
  readonly warnings: readonly string[];
}

function isCfgKey(key: string): key is CfgKey {
  return (CFG_KEYS as readonly string[]).includes(key);
}

/** Strips one level of shell quoting, as `source bundle.cfg` would. */
function unquote(raw: string, where: string): string {
  const first = raw[0];
  if (first === '"' || first === "'") {
    if (raw.length < 2 || raw[raw.length - 1] !== first) throw new InputError(`${where}: unterminated quote`);
    return raw.slice(1, -1);
  }
  const hash = raw.search(/\s#/);
  return (hash === -1 ? raw : raw.slice(0, hash)).trim();
}

/**
 * Parses a bundle.cfg: `KEY=VALUE` lines (an `export ` prefix and shell
 * quotes allowed), blank lines and `#` comments skipped; a key set twice
 * keeps its last value. A key this mkbundle does not know is a warning
 * naming the line: the original evaluated any assignment, so a shared
 * config may hold keys meant for other tools.
 */
export function parseBundleCfg(text: string, file: string): CfgFile {
  const values: CfgValues = {};
  const lines: Partial<Record<CfgKey, number>> = {};
  const warnings: string[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${index + 1}`;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new InputError(`${where}: expected KEY=VALUE, got ${quoted(line)}`);
    const [, key = '', value = ''] = match;
    const unquoted = unquote(value.trim(), where);
    if (!isCfgKey(key)) {
      warnings.push(`${where}: unknown key ${key}, ignored`);
      return;
    }
    values[key] = unquoted;
    lines[key] = index + 1;
  });
  return { file, values, lines, warnings };
}

/** The keys of CFG_KEYS an environment sets to something. */
export function cfgFromEnv(env: NodeJS.ProcessEnv): CfgValues {
  const values: CfgValues = {};
  for (const key of CFG_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== '') values[key] = value;
  }
  return values;
}
