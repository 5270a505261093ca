#include "pread_file.h"

#include <sqfs/error.h>
#include <unistd.h>

#include <cerrno>

namespace mkb {
namespace {

int readAt(sqfs_file_t* base, sqfs_u64 offset, void* buffer, size_t size) {
  auto* file = reinterpret_cast<PreadFile*>(base);
  // A reference past the end is how truncation shows up.
  if (offset > file->size || size > file->size - offset) return SQFS_ERROR_OUT_OF_BOUNDS;
  auto* out = static_cast<char*>(buffer);
  while (size > 0) {
    const ssize_t n = pread(file->fd, out, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return SQFS_ERROR_IO;
    }
    if (n == 0) return SQFS_ERROR_OUT_OF_BOUNDS;
    out += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<sqfs_u64>(n);
  }
  return 0;
}

int writeAt(sqfs_file_t*, sqfs_u64, const void*, size_t) { return SQFS_ERROR_IO; }

sqfs_u64 getSize(const sqfs_file_t* base) { return reinterpret_cast<const PreadFile*>(base)->size; }

int truncateFile(sqfs_file_t*, sqfs_u64) { return SQFS_ERROR_IO; }

void destroy(sqfs_object_t* obj) { delete reinterpret_cast<PreadFile*>(obj); }

}  // namespace

PreadFile* preadFileCreate(int fd, uint64_t size) {
  auto* file = new PreadFile{};
  file->base.base.destroy = destroy;
  file->base.base.copy = nullptr;
  file->base.read_at = readAt;
  file->base.write_at = writeAt;
  file->base.get_size = getSize;
  file->base.truncate = truncateFile;
  file->fd = fd;
  file->size = size;
  return file;
}

}  // namespace mkb
