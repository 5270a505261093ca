import { InputError } from '../errors.js';

/**
 * The keys of the original script's bundle.cfg, also read from the
 * environment; MK_BUNDLE_MCOLLECTIVE_URL and MK_BUNDLE_TC_VERSION/ARCH are ours.
 */
export const CFG_KEYS = [
  'MK_BUNDLE_BUILTIN_LIST',
  'MK_BUNDLE_MIRROR_LIST',
  'MK_BUNDLE_TC_PASSWD',
  'MK_BUNDLE_RE_USE_PREV_DL',
  'MK_BUNDLE_TYPE',
  'MK_BUNDLE_TCL_MIRROR_URI',
  'MK_BUNDLE_TCL_ISO_URL',
  'MK_BUNDLE_RUBY_GEMS_URL',
  'MK_BUNDLE_OPEN_VM_TOOLS_URL',
  'MK_BUNDLE_GEM_SERVER_URI',
  'MK_BUNDLE_MCOLLECTIVE_URL',
  'MK_BUNDLE_TC_VERSION',
  'MK_BUNDLE_ARCH',
] as const;
export type CfgKey = (typeof CFG_KEYS)[number];
export type CfgValues = Partial<Record<CfgKey, string>>;

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
 * quotes allowed), blank lines and `#` comments skipped. Unknown keys are
 * errors so a typo doesn't silently fall back to a default.
 */
export function parseBundleCfg(text: string, file: string): CfgValues {
  const values: CfgValues = {};
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${index + 1}`;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new InputError(`${where}: expected KEY=VALUE, got '${line}'`);
    const [, key = '', value = ''] = match;
    if (!isCfgKey(key)) throw new InputError(`${where}: unknown key ${key} (known: ${CFG_KEYS.join(', ')})`);
    values[key] = unquote(value.trim(), where);
  });
  return values;
}

/** The MK_BUNDLE_* variables of an environment. */
export function cfgFromEnv(env: NodeJS.ProcessEnv): CfgValues {
  const values: CfgValues = {};
  for (const key of CFG_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== '') values[key] = value;
  }
  return values;
}
