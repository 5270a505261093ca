// Directory traversal and inode description, with the name checks that keep
// a hostile image from naming anything outside its own tree.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "image.h"

namespace mkb {

enum class Kind : uint8_t { File, Dir, Symlink, CharDev, BlockDev, Fifo, Socket };

const char* kindName(Kind kind);
Kind inodeKind(const sqfs_inode_generic_t* inode, const std::string& path);

// Everything list()/stat() report about one entry.
struct EntryInfo {
  std::string path;
  Kind kind;
  uint32_t mode;
  uint32_t uid;
  uint32_t gid;
  uint32_t mtime;
  uint64_t size;
  uint32_t inode;
  uint32_t nlink;
  std::string target;
  uint32_t major;
  uint32_t minor;
};

EntryInfo describe(const Image& image, const std::string& path, const sqfs_inode_generic_t* inode);

// The symlink target stored in a symlink inode.
std::string symlinkTarget(const sqfs_inode_generic_t* inode);

std::string joinPath(const std::string& parent, const std::string& name);

// Resolves a normalised relative path ('' is the root) without following
// symlinks.
InodeRef resolve(Reader& reader, const std::string& path);

using Visitor = std::function<void(const std::string& path, InodeRef inode, int depth)>;

// Visits `path` and, down to `maxDepth` levels, everything below it in
// depth-first order with each directory's entries in stored (sorted) order.
void walk(Reader& reader, const std::string& path, InodeRef inode, int maxDepth, const Visitor& visit);

}  // namespace mkb
