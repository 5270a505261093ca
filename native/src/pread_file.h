// A read-only sqfs_file_t over a file descriptor, using pread so that one
// instance can serve every reader thread of an image at once.
#pragma once

#include <sqfs/io.h>

#include <cstdint>

namespace mkb {

struct PreadFile {
  sqfs_file_t base;  // must stay first: libsquashfs sees only this part
  int fd;
  uint64_t size;
};

// Wraps `fd` (not owned) whose length is `size`. Free with sqfs_destroy.
PreadFile* preadFileCreate(int fd, uint64_t size);

}  // namespace mkb
