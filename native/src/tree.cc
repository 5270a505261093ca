#include "tree.h"

#include <sqfs/dir.h>
#include <sqfs/error.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <memory>
#include <set>

#include "errors.h"

namespace mkb {
namespace {

// Deeper than any path the kernel would accept; stops runaway recursion.
constexpr int kMaxDepth = 2048;

struct Child {
  std::string name;
  InodeRef inode;
};

bool isDir(const sqfs_inode_generic_t* inode) {
  return inode->base.type == SQFS_INODE_DIR || inode->base.type == SQFS_INODE_EXT_DIR;
}

// Where a directory's listing lives; a listing reached twice means a loop.
uint64_t listingKey(const sqfs_inode_generic_t* inode, uint64_t* size) {
  if (inode->base.type == SQFS_INODE_DIR) {
    *size = inode->data.dir.size;
    return static_cast<uint64_t>(inode->data.dir.start_block) << 16 | inode->data.dir.offset;
  }
  *size = inode->data.dir_ext.size;
  return static_cast<uint64_t>(inode->data.dir_ext.start_block) << 16 | inode->data.dir_ext.offset;
}

std::vector<Child> readDirectory(Reader& reader, const sqfs_inode_generic_t* dir, const std::string& path) {
  sqfs_dir_reader_t* rd = reader.dirReader();
  int rc = sqfs_dir_reader_open_dir(rd, dir, 0);
  if (rc != 0) throwSqfs(rc, path);
  std::vector<Child> children;
  std::set<std::string> names;
  for (;;) {
    sqfs_dir_entry_t* raw = nullptr;
    rc = sqfs_dir_reader_read(rd, &raw);
    if (rc < 0) throwSqfs(rc, path);
    if (rc > 0) break;
    std::unique_ptr<sqfs_dir_entry_t, SqfsFree> entry(raw);
    // The stored length is size + 1; a shorter C string means an embedded NUL.
    const size_t length = static_cast<size_t>(entry->size) + 1;
    std::string name(reinterpret_cast<const char*>(entry->name), length);
    if (std::strlen(reinterpret_cast<const char*>(entry->name)) != length || name == "." || name == ".." ||
        name.find('/') != std::string::npos) {
      throw Failure("EUNSAFE",
                    showPath(joinPath(path, name)) + ": unsafe entry name " + showPath(name) + " in image");
    }
    // A second entry of one name could swap a directory for a symlink mid-extraction.
    if (!names.insert(name).second) throwCorruptAt(joinPath(path, name), "duplicate entry name");
    sqfs_inode_generic_t* inode = nullptr;
    rc = sqfs_dir_reader_get_inode(rd, &inode);
    if (rc != 0) throwSqfs(rc, joinPath(path, name));
    children.push_back({std::move(name), adoptInode(inode)});
  }
  return children;
}

void walkFrom(Reader& reader, const std::string& path, InodeRef inode, int depth, int maxDepth,
              std::set<uint64_t>& seen, const Visitor& visit) {
  std::vector<Child> children;
  if (isDir(inode.get()) && depth < maxDepth) {
    if (depth >= kMaxDepth) throwCorruptAt(path, "directories nested too deep");
    uint64_t size = 0;
    const uint64_t key = listingKey(inode.get(), &size);
    // Empty directories may all share one (empty) listing.
    if (size > 3 && !seen.insert(key).second) throwCorruptAt(path, "directory loop");
    children = readDirectory(reader, inode.get(), path);
  }
  visit(path, std::move(inode), depth);
  for (Child& child : children) {
    walkFrom(reader, joinPath(path, child.name), std::move(child.inode), depth + 1, maxDepth, seen, visit);
  }
}

}  // namespace

const char* kindName(Kind kind) {
  switch (kind) {
    case Kind::File:
      return "file";
    case Kind::Dir:
      return "dir";
    case Kind::Symlink:
      return "symlink";
    case Kind::CharDev:
      return "chardev";
    case Kind::BlockDev:
      return "blockdev";
    case Kind::Fifo:
      return "fifo";
    case Kind::Socket:
      return "socket";
  }
  return "file";
}

Kind inodeKind(const sqfs_inode_generic_t* inode, const std::string& path) {
  switch (inode->base.type) {
    case SQFS_INODE_DIR:
    case SQFS_INODE_EXT_DIR:
      return Kind::Dir;
    case SQFS_INODE_FILE:
    case SQFS_INODE_EXT_FILE:
      return Kind::File;
    case SQFS_INODE_SLINK:
    case SQFS_INODE_EXT_SLINK:
      return Kind::Symlink;
    case SQFS_INODE_CDEV:
    case SQFS_INODE_EXT_CDEV:
      return Kind::CharDev;
    case SQFS_INODE_BDEV:
    case SQFS_INODE_EXT_BDEV:
      return Kind::BlockDev;
    case SQFS_INODE_FIFO:
    case SQFS_INODE_EXT_FIFO:
      return Kind::Fifo;
    case SQFS_INODE_SOCKET:
    case SQFS_INODE_EXT_SOCKET:
      return Kind::Socket;
    default:
      throwCorruptAt(path, "unknown inode type " + std::to_string(inode->base.type));
  }
}

std::string symlinkTarget(const sqfs_inode_generic_t* inode) {
  const uint32_t size =
      inode->base.type == SQFS_INODE_SLINK ? inode->data.slink.target_size : inode->data.slink_ext.target_size;
  return std::string(reinterpret_cast<const char*>(inode->extra), size);
}

EntryInfo describe(const Image& image, const std::string& path, const sqfs_inode_generic_t* inode) {
  EntryInfo info{};
  info.path = path;
  info.kind = inodeKind(inode, path);
  info.mode = inode->base.mode & 07777;
  info.uid = image.id(inode->base.uid_idx, path);
  info.gid = image.id(inode->base.gid_idx, path);
  info.mtime = inode->base.mod_time;
  info.inode = inode->base.inode_number;
  uint32_t devno = 0;
  switch (inode->base.type) {
    case SQFS_INODE_DIR:
      info.nlink = inode->data.dir.nlink;
      break;
    case SQFS_INODE_EXT_DIR:
      info.nlink = inode->data.dir_ext.nlink;
      break;
    case SQFS_INODE_FILE:
      info.nlink = 1;
      info.size = inode->data.file.file_size;
      break;
    case SQFS_INODE_EXT_FILE:
      info.nlink = inode->data.file_ext.nlink;
      info.size = inode->data.file_ext.file_size;
      break;
    case SQFS_INODE_SLINK:
      info.nlink = inode->data.slink.nlink;
      info.target = symlinkTarget(inode);
      info.size = info.target.size();
      break;
    case SQFS_INODE_EXT_SLINK:
      info.nlink = inode->data.slink_ext.nlink;
      info.target = symlinkTarget(inode);
      info.size = info.target.size();
      break;
    case SQFS_INODE_BDEV:
    case SQFS_INODE_CDEV:
      info.nlink = inode->data.dev.nlink;
      devno = inode->data.dev.devno;
      break;
    case SQFS_INODE_EXT_BDEV:
    case SQFS_INODE_EXT_CDEV:
      info.nlink = inode->data.dev_ext.nlink;
      devno = inode->data.dev_ext.devno;
      break;
    case SQFS_INODE_FIFO:
    case SQFS_INODE_SOCKET:
      info.nlink = inode->data.ipc.nlink;
      break;
    default:
      info.nlink = inode->data.ipc_ext.nlink;
      break;
  }
  // squashfs stores the kernel's 32-bit device encoding, which glibc decodes.
  info.major = major(devno);
  info.minor = minor(devno);
  return info;
}

std::string joinPath(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "/" + name;
}

InodeRef resolve(Reader& reader, const std::string& path) {
  sqfs_dir_reader_t* rd = reader.dirReader();
  sqfs_inode_generic_t* raw = nullptr;
  int rc = sqfs_dir_reader_get_root_inode(rd, &raw);
  if (rc != 0) throwSqfs(rc, "");
  InodeRef current = adoptInode(raw);
  std::string walked;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string name = path.substr(start, end - start);
    if (!isDir(current.get())) throw Failure("ENOTDIR", showPath(walked) + ": not a directory in image");
    rc = sqfs_dir_reader_open_dir(rd, current.get(), 0);
    if (rc != 0) throwSqfs(rc, walked);
    rc = sqfs_dir_reader_find(rd, name.c_str());
    if (rc == SQFS_ERROR_NO_ENTRY) throw Failure("ENOENT", showPath(path) + ": no such file in image");
    if (rc != 0) throwSqfs(rc, walked);
    walked = joinPath(walked, name);
    rc = sqfs_dir_reader_get_inode(rd, &raw);
    if (rc != 0) throwSqfs(rc, walked);
    current = adoptInode(raw);
    start = end + 1;
  }
  return current;
}

void walk(Reader& reader, const std::string& path, InodeRef inode, int maxDepth, const Visitor& visit) {
  std::set<uint64_t> seen;
  walkFrom(reader, path, std::move(inode), 0, maxDepth, seen, visit);
}

}  // namespace mkb
