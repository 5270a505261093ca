#include "errors.h"

#include <sqfs/error.h>

#include <cstring>

namespace mkb {

std::string showPath(const std::string& path) {
  // The raw bytes in hex between two markers; the JavaScript side shows them with quoted(), the one
  // function that escapes content for a terminal. Hex survives the message's conversion to a JS
  // string, which would replace bytes that are not UTF-8.
  static const char hex[] = "0123456789abcdef";
  std::string out(1, kPathStart);
  for (const unsigned char c : path.empty() ? std::string("/") : path) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  out += kPathEnd;
  return out;
}

std::string sqfsReason(int err) {
  switch (err) {
    case SQFS_ERROR_COMPRESSOR:
      return "decompression failed";
    case SQFS_ERROR_OUT_OF_BOUNDS:
      return "reference out of bounds";
    case SQFS_ERROR_OVERFLOW:
      return "size overflow";
    case SQFS_ERROR_CORRUPTED:
      return "inconsistent metadata";
    case SQFS_ERROR_LINK_LOOP:
      return "directory loop";
    case SQFS_ERROR_ALLOC:
      return "out of memory";
    case SQFS_ERROR_IO:
      return "read error";
    default:
      return "libsquashfs error " + std::to_string(err);
  }
}

std::string errnoText(int err) {
  char buf[128];
  // GNU strerror_r: thread-safe, may return a static string instead of buf.
  return strerror_r(err, buf, sizeof buf);
}

void throwCorrupt(const std::string& what) { throw Failure("ECORRUPT", "truncated or corrupt (" + what + ")"); }

void throwCorruptAt(const std::string& path, const std::string& what) {
  throw Failure("ECORRUPT", showPath(path) + ": truncated or corrupt (" + what + ")");
}

void throwSqfs(int err, const std::string& path) {
  const std::string at = showPath(path) + ": ";
  switch (err) {
    case SQFS_ERROR_ALLOC:
      throw std::bad_alloc();
    case SQFS_ERROR_UNSUPPORTED:
      throw Failure("EUNSUPPORTED", at + "uses an unsupported squashfs feature");
    case SQFS_ERROR_NOT_DIR:
      throw Failure("ENOTDIR", at + "not a directory in image");
    case SQFS_ERROR_NO_ENTRY:
      throw Failure("ENOENT", at + "no such file in image");
    default:
      throwCorruptAt(path, sqfsReason(err));
  }
}

void throwErrno(const std::string& code, const std::string& what, int err) {
  throw Failure(code, what + " (" + errnoText(err) + ")");
}

}  // namespace mkb
