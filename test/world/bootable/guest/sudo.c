/*
 * Stand-in for Tiny Core's sudo: tce-load runs as the tc user and calls
 * `sudo mount …`, `sudo cp …`, and busybox has no sudo. Tiny Core's sudoers
 * lets tc run anything without a password (tc-config's addUser writes
 * `tc ALL=NOPASSWD: ALL`), so this runs its arguments as root and reads no
 * sudoers. tc-config makes it setuid root (`chmod u+s /usr/bin/sudo`); a
 * script cannot be setuid, hence C, built static at world build time.
 */
#include <grp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: sudo COMMAND [ARG]...\n", stderr);
    return 1;
  }
  if (setgroups(0, NULL) != 0 || setgid(0) != 0 || setuid(0) != 0) {
    perror("sudo: cannot become root (is /usr/bin/sudo setuid root?)");
    return 1;
  }
  execvp(argv[1], argv + 1);
  fprintf(stderr, "sudo: %s: ", argv[1]);
  perror(NULL);
  return 127;
}
