import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CFG_KEYS, cfgFromEnv, parseBundleCfg } from '../../src/config/bundle-cfg.js';
import { InputError } from '../../src/errors.js';

describe('parseBundleCfg', () => {
  it('reads KEY=VALUE lines, quotes, export and comments, and the line of each', () => {
    const text = [
      '# bundle.cfg',
      'MK_BUNDLE_TYPE=prod',
      'export MK_BUNDLE_BUILTIN_LIST="lists/builtin extensions.lst"',
      "MK_BUNDLE_MIRROR_LIST='m.lst'",
      'MK_BUNDLE_TCL_MIRROR_URI=http://example.test/tcz   # our mirror',
      '',
      'MK_BUNDLE_RE_USE_PREV_DL=yes\r',
      'DEB_MIRROR_URL=http://deb.example.test/debian',
    ].join('\n');
    expect(parseBundleCfg(text, 'bundle.cfg')).toEqual({
      file: 'bundle.cfg',
      values: {
        MK_BUNDLE_TYPE: 'prod',
        MK_BUNDLE_BUILTIN_LIST: 'lists/builtin extensions.lst',
        MK_BUNDLE_MIRROR_LIST: 'm.lst',
        MK_BUNDLE_TCL_MIRROR_URI: 'http://example.test/tcz',
        MK_BUNDLE_RE_USE_PREV_DL: 'yes',
        DEB_MIRROR_URL: 'http://deb.example.test/debian',
      },
      lines: {
        MK_BUNDLE_TYPE: 2,
        MK_BUNDLE_BUILTIN_LIST: 3,
        MK_BUNDLE_MIRROR_LIST: 4,
        MK_BUNDLE_TCL_MIRROR_URI: 5,
        MK_BUNDLE_RE_USE_PREV_DL: 7,
        DEB_MIRROR_URL: 8,
      },
      warnings: [],
    });
  });

  it('keeps the last value of a key set twice, and an empty value', () => {
    const cfg = parseBundleCfg('MK_BUNDLE_TYPE=dev\nMK_BUNDLE_TC_PASSWD=\nMK_BUNDLE_TYPE=debug\n', 'x.cfg');
    expect(cfg.values).toEqual({ MK_BUNDLE_TYPE: 'debug', MK_BUNDLE_TC_PASSWD: '' });
    expect(cfg.lines).toEqual({ MK_BUNDLE_TYPE: 3, MK_BUNDLE_TC_PASSWD: 2 });
  });

  it('warns about a key it does not know, naming the file and line, and goes on', () => {
    const cfg = parseBundleCfg('MK_BUNDLE_TYPO=dev\nWGET_V=-v\nMK_BUNDLE_TYPE=prod\n', 'my.cfg');
    expect(cfg.values).toEqual({ MK_BUNDLE_TYPE: 'prod' });
    expect(cfg.warnings).toEqual([
      'my.cfg:1: unknown key MK_BUNDLE_TYPO, ignored',
      'my.cfg:2: unknown key WGET_V, ignored',
    ]);
  });

  it('names the file and line of a line that is no setting, escaping what it quotes', () => {
    expect(() => parseBundleCfg('MK_BUNDLE_TYPE=dev\nnot a setting\n', 'my.cfg')).toThrowError(
      new InputError("my.cfg:2: expected KEY=VALUE, got 'not a setting'"),
    );
    expect(() => parseBundleCfg('MK_BUNDLE_TYPE="dev\n', 'my.cfg')).toThrowError(/my\.cfg:1: unterminated quote/);
    expect(() => parseBundleCfg("it's\u001b[2J\n", 'my.cfg')).toThrowError(
      new InputError("my.cfg:1: expected KEY=VALUE, got 'it\\'s\\u{1b}[2J'"),
    );
  });

  it('round-trips any values written with single quotes', () => {
    const value = fc.string().filter((s) => !s.includes("'") && !/[\r\n]/.test(s));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...CFG_KEYS), value), (settings) => {
        const text = Object.entries(settings)
          .map(([k, v]) => `${k}='${v}'`)
          .join('\n');
        const cfg = parseBundleCfg(text, 'x.cfg');
        expect(cfg.values).toEqual(settings);
        expect(Object.keys(cfg.lines).sort()).toEqual(Object.keys(settings).sort());
        expect(cfg.warnings).toEqual([]);
      }),
    );
  });
});

describe('cfgFromEnv', () => {
  it('takes only non-empty keys it knows, DEB_MIRROR_URL among them', () => {
    expect(
      cfgFromEnv({
        MK_BUNDLE_TYPE: 'debug',
        MK_BUNDLE_TC_PASSWD: '',
        HOME: '/root',
        MK_BUNDLE_X: '1',
        DEB_MIRROR_URL: 'http://d/debian',
      }),
    ).toEqual({ MK_BUNDLE_TYPE: 'debug', DEB_MIRROR_URL: 'http://d/debian' });
  });
});
