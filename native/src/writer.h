// Writes a squashfs 4 image from a list of entries: gzip, 4 KiB blocks, every
// inode owned by 0:0, no xattrs, one timestamp for everything. The same
// entries and sources give the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mkb {

enum class WriteKind : uint8_t { Dir, File, Symlink };

struct WriteEntry {
  WriteKind kind;
  std::string path;    // relative, '/'-separated; '' is the root directory
  uint32_t mode;       // permission bits (0..07777)
  std::string source;  // files: host path of the content
  std::string target;  // symlinks
};

struct WriteOptions {
  std::string out;  // created exclusively; left in place (partial) on failure
  uint32_t mtime;
  std::vector<WriteEntry> entries;
};

struct WriteResult {
  uint64_t bytes;  // file size, padded to 4 KiB
  uint32_t inodes;
};

WriteResult writeImage(const WriteOptions& options);

}  // namespace mkb
