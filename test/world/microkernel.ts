import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A small Microkernel project tree of our own in the Razor layout: the
 * files the bundle stage copies into the overlay. Scripts print markers to
 * the console so the boot tests can see which of them ran.
 */
export const MICROKERNEL_FILES: Readonly<Record<string, { body: string; mode?: number }>> = {
  'etc/init.d/dhcp.sh': {
    body: '#!/bin/sh\n# DHCP client start-up for the Microkernel\necho MKWORLD-DHCP\n',
    mode: 0o755,
  },
  'usr/share/udhcpc/dhcp_mk_config.script': {
    body: '#!/bin/sh\n# udhcpc hook: remembers the Razor server from DHCP option 224\necho "razor_server=$opt224"\n',
    mode: 0o755,
  },
  'rz_mk_controller.rb': { body: '#!/usr/bin/env ruby\nputs "MKWORLD-CONTROLLER"\n', mode: 0o755 },
  'rz_mk_init.rb': { body: '#!/usr/bin/env ruby\nputs "MKWORLD-INIT"\n', mode: 0o755 },
  'razor_microkernel/logging.rb': { body: 'module RazorMicrokernel; module Logging; end; end\n' },
  'razor_microkernel/rz_host_utils.rb': { body: 'module RazorMicrokernel; class RzHostUtils; end; end\n' },
  'configuration-agent/configuration.rb': {
    body: 'module MCollective; module Agent; class Configuration; end; end; end\n',
  },
  'facter-agent/facteragent.rb': { body: 'module MCollective; module Agent; class Facteragent; end; end; end\n' },
  'opt/bootsync.sh': {
    body: [
      '#!/bin/sh',
      '# Runs last at boot (tc-config); prints what the boot tests look for.',
      'echo MKWORLD-BOOTSYNC-START',
      '[ -f /tmp/mk-version.yaml ] && sed "s/^/MKWORLD-VERSION /" /tmp/mk-version.yaml',
      '/usr/local/bin/lscpu',
      'echo MKWORLD-BOOTSYNC-END',
      // As Razor's own bootsync.sh ends.
      '/opt/bootlocal.sh &',
      '',
    ].join('\n'),
    mode: 0o755,
  },
  'opt/gems/gem.list': {
    body: '# gems the Microkernel Controller needs\nfacter\njson_pure >= 1.7.7\ndaemons\nstomp\n',
  },
  'tmp/first_checkin.yaml': { body: '---\nfirst_checkin: true\n' },
  'tmp/mk_conf.yaml': { body: '---\nmk_log_level: Logger::INFO\nmk_register_interval: 60\n' },
  'tmp/mk_conf_debug.yaml': { body: '---\nmk_log_level: Logger::DEBUG\nmk_register_interval: 30\n' },
  'tmp/tinycorelinux/tce-install-list.yaml': { body: '---\n- procps.tcz\n' },
  'tmp/tinycorelinux/kmod-install-list.yaml': { body: '---\n[]\n' },
  'etc/inittab': {
    body: [
      '# /etc/inittab: init configuration for busybox init.',
      '::sysinit:/etc/init.d/rcS',
      'tty1::respawn:/sbin/getty 38400 tty1',
      'ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100',
      '::restart:/sbin/init',
      '::ctrlaltdel:/sbin/reboot',
      '::shutdown:/etc/init.d/rc.shutdown',
      '',
    ].join('\n'),
  },
  'etc/passwd': {
    body: 'root:x:0:0:root:/root:/bin/sh\nlp:x:7:7:lp:/var/spool/lpd:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\ntc:x:1001:50:Linux User,,,:/home/tc:/bin/sh\n',
  },
  'etc/shadow': {
    body: 'root:*:13525:0:99999:7:::\nlp:*:13510:0:99999:7:::\nnobody:*:13509:0:99999:7:::\ntc:$1$placehol$K4vX0pVhnk4z3N8yQzvXn/:13646:0:99999:7:::\n',
    mode: 0o600,
  },
  'etc/shadow-nologin': {
    body: 'root:*:13525:0:99999:7:::\nlp:*:13510:0:99999:7:::\nnobody:*:13509:0:99999:7:::\ntc:!:13646:0:99999:7:::\n',
    mode: 0o600,
  },
  COPYING: { body: 'Razor Microkernel test world: copying conditions for the test fixtures.\n' },
  LICENSE: { body: 'Apache License, Version 2.0 (test world copy)\n' },
};

/** Writes the tree under `dir`; the caller adds additional-build-files as needed. */
export async function writeMicrokernelTree(dir: string): Promise<string> {
  for (const [path, { body, mode }] of Object.entries(MICROKERNEL_FILES)) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, body);
    await chmod(file, mode ?? 0o644);
  }
  return dir;
}
