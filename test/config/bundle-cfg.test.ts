import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CFG_KEYS, cfgFromEnv, parseBundleCfg } from '../../src/config/bundle-cfg.js';
import { InputError } from '../../src/errors.js';

describe('parseBundleCfg', () => {
  it('reads KEY=VALUE lines, quotes, export and comments', () => {
    const text = [
      '# bundle.cfg',
      'MK_BUNDLE_TYPE=prod',
      'export MK_BUNDLE_BUILTIN_LIST="lists/builtin extensions.lst"',
      "MK_BUNDLE_MIRROR_LIST='m.lst'",
      'MK_BUNDLE_TCL_MIRROR_URI=http://example.test/tcz   # our mirror',
      '',
      'MK_BUNDLE_RE_USE_PREV_DL=yes\r',
    ].join('\n');
    expect(parseBundleCfg(text, 'bundle.cfg')).toEqual({
      MK_BUNDLE_TYPE: 'prod',
      MK_BUNDLE_BUILTIN_LIST: 'lists/builtin extensions.lst',
      MK_BUNDLE_MIRROR_LIST: 'm.lst',
      MK_BUNDLE_TCL_MIRROR_URI: 'http://example.test/tcz',
      MK_BUNDLE_RE_USE_PREV_DL: 'yes',
    });
  });

  it('names the file and line of a bad line', () => {
    expect(() => parseBundleCfg('MK_BUNDLE_TYPE=dev\nnot a setting\n', 'my.cfg')).toThrowError(
      new InputError("my.cfg:2: expected KEY=VALUE, got 'not a setting'"),
    );
    expect(() => parseBundleCfg('MK_BUNDLE_TYPO=dev\n', 'my.cfg')).toThrowError(
      /my\.cfg:1: unknown key MK_BUNDLE_TYPO/,
    );
    expect(() => parseBundleCfg('MK_BUNDLE_TYPE="dev\n', 'my.cfg')).toThrowError(/my\.cfg:1: unterminated quote/);
  });

  it('round-trips any values written with single quotes', () => {
    const value = fc.string().filter((s) => !s.includes("'") && !/[\r\n]/.test(s));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...CFG_KEYS), value), (settings) => {
        const text = Object.entries(settings)
          .map(([k, v]) => `${k}='${v}'`)
          .join('\n');
        expect(parseBundleCfg(text, 'x.cfg')).toEqual(settings);
      }),
    );
  });
});

describe('cfgFromEnv', () => {
  it('takes only non-empty MK_BUNDLE_* keys', () => {
    expect(cfgFromEnv({ MK_BUNDLE_TYPE: 'debug', MK_BUNDLE_TC_PASSWD: '', HOME: '/root', MK_BUNDLE_X: '1' })).toEqual({
      MK_BUNDLE_TYPE: 'debug',
    });
  });
});
