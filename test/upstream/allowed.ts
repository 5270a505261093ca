/**
 * The differences between upstream's bundles and mkbundle's that are
 * intended, each with why. Everything else a parity test finds fails it;
 * an allowance that matches nothing fails it too (explain's `unused`), so
 * the lists only hold what is really there.
 */
import type { Allowance } from './compare.js';

/** Both overlays, both trees. */
export const OVERLAY_COMMON: readonly Allowance[] = [
  {
    paths: /.*/,
    fields: ['mtime'],
    why: 'upstream keeps download and copy times (wget uses Last-Modified, cp -p the checkout); mkbundle stamps one build time',
  },
  {
    paths: /^etc\/shadow$/,
    fields: ['mode'],
    why: 'mkbundle makes etc/shadow 0600 in every flavour; upstream copied whatever mode the checkout had',
  },
  {
    paths: /^etc\/shadow$/,
    fields: ['sha256'],
    flavours: ['dev', 'debug'],
    why: 'the tc hash has another random salt (same scheme and password: the shadow test checks that)',
  },
  {
    paths: /^tmp\/builtin\/optional\/(lshw|ruby|openssl-1\.0\.0)\.tcz\.dep$/,
    fields: ['size', 'sha256'],
    why: "mkbundle ships .dep files as tce-load reads them (one NAME.tcz per LF line); the world's have CRLF and blanks, a # comment, a bare name",
  },
  {
    paths: /^tmp\/tinycorelinux\/4\.x\/x86\/tcz\/perl5\.tcz\.dep$/,
    fields: ['presence'],
    why: 'an empty .dep names nothing, so mkbundle ships none; upstream kept the empty file',
  },
];

/** Both bundles: mkbundle's ISO stage replaces the shell scripts of iso-build-files/. */
export const BUNDLE_COMMON: readonly Allowance[] = [
  {
    paths: /.*/,
    fields: ['mtime'],
    why: 'upstream keeps download and copy times; mkbundle stamps one build time',
  },
  {
    paths:
      /^(add_version_to_mk_fs\.rb|build_initial_directories\.sh|build_iso_yaml\.rb|rebuild_iso\.sh|mk-build-lib\.sh)$/,
    fields: ['presence'],
    why: "upstream's root-needing ISO scripts; mkbundle's bundle carries rebuild-iso instead",
  },
  {
    paths: /^(bundle\.json|rebuild-iso|mkbundle-iso\.mjs|mkbundle-native\.node)$/,
    fields: ['presence'],
    why: "mkbundle's manifest and its rootless ISO stage (rebuild-iso runs mkbundle-iso.mjs with node; the native addon gives it libdeflate)",
  },
  {
    paths: /^dependencies\/razor-microkernel-overlay\.tar\.gz$/,
    fields: ['size', 'sha256', 'decompressed'],
    why: 'the overlay is compared path by path on its own',
  },
];
