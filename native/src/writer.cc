#include "writer.h"

#include <fcntl.h>
#include <sqfs/block_processor.h>
#include <sqfs/block_writer.h>
#include <sqfs/compressor.h>
#include <sqfs/dir_writer.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/meta_writer.h>
#include <sqfs/super.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "errors.h"
#include "safe_fs.h"

namespace mkb {
namespace {

constexpr size_t kBlockSize = 4096;
// The image is padded to this, as mksquashfs does, so that a loop device sees all of it.
constexpr size_t kDeviceBlock = 4096;
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxName = 255;
constexpr size_t kMaxTarget = 4095;

struct Destroy {
  void operator()(void* p) const { sqfs_destroy(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Destroy>;

struct FreeInode {
  void operator()(sqfs_inode_generic_t* p) const { sqfs_free(p); }
};
using InodePtr = std::unique_ptr<sqfs_inode_generic_t, FreeInode>;

// The output image as libsquashfs sees it: pwrite/pread on our descriptor, so
// that the block writer can read blocks back to compare duplicates.
struct OutFile {
  sqfs_file_t base;  // must stay first
  int fd;
  uint64_t size;
  int error;  // errno of the last failed call
};

int outRead(sqfs_file_t* base, sqfs_u64 offset, void* buffer, size_t size) {
  auto* file = reinterpret_cast<OutFile*>(base);
  if (offset > file->size || size > file->size - offset) return SQFS_ERROR_OUT_OF_BOUNDS;
  auto* out = static_cast<char*>(buffer);
  while (size > 0) {
    const ssize_t n = pread(file->fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      file->error = n < 0 ? errno : EIO;
      return SQFS_ERROR_IO;
    }
    out += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<sqfs_u64>(n);
  }
  return 0;
}

int outWrite(sqfs_file_t* base, sqfs_u64 offset, const void* buffer, size_t size) {
  auto* file = reinterpret_cast<OutFile*>(base);
  const auto* in = static_cast<const char*>(buffer);
  sqfs_u64 at = offset;
  size_t left = size;
  while (left > 0) {
    const ssize_t n = pwrite(file->fd, in, left, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      file->error = n < 0 ? errno : EIO;
      return SQFS_ERROR_IO;
    }
    in += n;
    left -= static_cast<size_t>(n);
    at += static_cast<sqfs_u64>(n);
  }
  file->size = std::max<uint64_t>(file->size, offset + size);
  return 0;
}

sqfs_u64 outSize(const sqfs_file_t* base) { return reinterpret_cast<const OutFile*>(base)->size; }

int outTruncate(sqfs_file_t* base, sqfs_u64 size) {
  auto* file = reinterpret_cast<OutFile*>(base);
  if (ftruncate(file->fd, static_cast<off_t>(size)) != 0) {
    file->error = errno;
    return SQFS_ERROR_IO;
  }
  file->size = size;
  return 0;
}

void outDestroy(sqfs_object_t* obj) { delete reinterpret_cast<OutFile*>(obj); }

OutFile* outFileCreate(int fd) {
  auto* file = new OutFile{};
  file->base.base.destroy = outDestroy;
  file->base.base.copy = nullptr;
  file->base.read_at = outRead;
  file->base.write_at = outWrite;
  file->base.get_size = outSize;
  file->base.truncate = outTruncate;
  file->fd = fd;
  return file;
}

struct Node {
  const WriteEntry* entry = nullptr;  // null for an implicit root
  std::string name;
  WriteKind kind = WriteKind::Dir;
  uint32_t mode = 0755;
  Node* parent = nullptr;
  std::vector<Node*> children;
  uint32_t inodeNumber = 0;
  uint64_t inodeRef = 0;
  sqfs_inode_generic_t* fileInode = nullptr;  // owned by the block processor until finish
};

uint16_t typeBits(WriteKind kind) {
  switch (kind) {
    case WriteKind::Dir:
      return SQFS_INODE_MODE_DIR;
    case WriteKind::File:
      return SQFS_INODE_MODE_REG;
    case WriteKind::Symlink:
      return SQFS_INODE_MODE_LNK;
  }
  return 0;
}

[[noreturn]] void invalid(const std::string& path, const std::string& problem) {
  throw Failure("EINVAL", showPath(path) + ": " + problem);
}

void checkPath(const std::string& path) {
  if (path.empty()) return;
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    const std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == "..") invalid(path, "not a normalised relative path");
    if (part.size() > kMaxName) invalid(path, "name longer than 255 bytes");
    if (part.find('\0') != std::string::npos) invalid(path, "name contains NUL");
    if (slash == std::string::npos) return;
    start = slash + 1;
  }
}

class ImageWriter {
 public:
  explicit ImageWriter(const WriteOptions& options) : options_(options) {}
  ImageWriter(const ImageWriter&) = delete;
  ImageWriter& operator=(const ImageWriter&) = delete;

  // After a failure the processor may still point at file inodes: stop it before freeing them.
  ~ImageWriter() {
    processor_.reset();
    for (Node& node : nodes_) sqfs_free(node.fileInode);
  }

  WriteResult write() {
    buildTree();
    open();
    writeData();
    numberInodes(root_);
    writeTables();
    return {file_->size, count_};
  }

 private:
  void buildTree() {
    for (const WriteEntry& entry : options_.entries) {
      checkPath(entry.path);
      if (entry.mode > 07777) invalid(entry.path, "mode has bits beyond 07777");
      if (entry.kind == WriteKind::Symlink) {
        if (entry.target.empty()) invalid(entry.path, "empty symlink target");
        if (entry.target.size() > kMaxTarget) invalid(entry.path, "symlink target longer than 4095 bytes");
        if (entry.target.find('\0') != std::string::npos) invalid(entry.path, "symlink target contains NUL");
      }
      if (entry.path.empty() && entry.kind != WriteKind::Dir) invalid(entry.path, "the root must be a directory");
      if (!byPath_.emplace(entry.path, &entry).second) invalid(entry.path, "listed twice");
    }
    // Reserved up front: nodes point at each other.
    nodes_.reserve(byPath_.size() + 1);
    nodes_.emplace_back();
    root_ = &nodes_.back();
    // std::map iterates in byte order of the path, so a parent comes before its children.
    std::map<std::string, Node*> made{{"", root_}};
    for (const auto& [path, entry] : byPath_) {
      if (path.empty()) {
        root_->entry = entry;
        root_->mode = entry->mode;
        continue;
      }
      const size_t slash = path.rfind('/');
      const std::string parentPath = slash == std::string::npos ? "" : path.substr(0, slash);
      const auto parent = made.find(parentPath);
      if (parent == made.end()) invalid(path, "parent directory " + showPath(parentPath) + " is not listed");
      if (parent->second->kind != WriteKind::Dir) {
        invalid(path, "parent " + showPath(parentPath) + " is not a directory");
      }
      nodes_.emplace_back();
      Node* node = &nodes_.back();
      node->entry = entry;
      node->name = slash == std::string::npos ? path : path.substr(slash + 1);
      node->kind = entry->kind;
      node->mode = entry->mode;
      node->parent = parent->second;
      parent->second->children.push_back(node);
      made.emplace(path, node);
    }
  }

  void open() {
    const int fd = ::open(options_.out.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) throwErrno("EIO", "cannot create the image", errno);
    fd_ = Fd(fd);
    file_.reset(outFileCreate(fd));

    sqfs_compressor_config_t cfg{};
    check(sqfs_compressor_config_init(&cfg, SQFS_COMP_GZIP, kBlockSize, 0), "gzip settings");
    sqfs_compressor_t* cmp = nullptr;
    check(sqfs_compressor_create(&cfg, &cmp), "gzip compressor");
    cmp_.reset(cmp);
    sqfs_compressor_config_t ucfg{};
    check(sqfs_compressor_config_init(&ucfg, SQFS_COMP_GZIP, kBlockSize, SQFS_COMP_FLAG_UNCOMPRESS), "gzip settings");
    sqfs_compressor_t* uncmp = nullptr;
    check(sqfs_compressor_create(&ucfg, &uncmp), "gzip decompressor");
    uncmp_.reset(uncmp);

    check(sqfs_super_init(&super_, kBlockSize, options_.mtime, SQFS_COMP_GZIP), "superblock");
    super_.flags |= SQFS_FLAG_NO_XATTRS;
    check(sqfs_super_write(&super_, base()), "superblock");
    const int written = cmp_->write_options(cmp_.get(), base());
    if (written < 0) check(written, "compressor options");
    if (written > 0) super_.flags |= SQFS_FLAG_COMPRESSOR_OPTIONS;

    blocks_.reset(sqfs_block_writer_create(base(), kDeviceBlock, 0));
    frags_.reset(sqfs_frag_table_create(0));
    ids_.reset(sqfs_id_table_create(0));
    inodes_.reset(sqfs_meta_writer_create(base(), cmp_.get(), 0));
    dirs_.reset(sqfs_meta_writer_create(base(), cmp_.get(), SQFS_META_WRITER_KEEP_IN_MEMORY));
    if (!blocks_ || !frags_ || !ids_ || !inodes_ || !dirs_) throw std::bad_alloc();
    dirWriter_.reset(sqfs_dir_writer_create(dirs_.get(), 0));
    if (!dirWriter_) throw std::bad_alloc();

    // One worker: the data blocks are then written in input order, which is what makes the bytes repeatable.
    sqfs_block_processor_desc_t desc{};
    desc.size = sizeof desc;
    desc.max_block_size = kBlockSize;
    desc.num_workers = 1;
    desc.max_backlog = 16;
    desc.cmp = cmp_.get();
    desc.wr = blocks_.get();
    desc.tbl = frags_.get();
    // With these, a fragment that matches another by size and hash is compared byte for byte before sharing.
    desc.file = base();
    desc.uncmp = uncmp_.get();
    sqfs_block_processor_t* proc = nullptr;
    check(sqfs_block_processor_create_ex(&desc, &proc), "block processor");
    processor_.reset(proc);
  }

  // File contents in path order, all before the inode table (which needs their final locations).
  void writeData() {
    std::vector<uint8_t> chunk(kReadChunk);
    for (Node& node : nodes_) {
      if (node.kind != WriteKind::File) continue;
      const std::string& path = node.entry->path;
      const std::string& source = node.entry->source;
      const int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throwErrno("ESOURCE", showPath(path) + ": cannot open source " + showPath(source), errno);
      Fd input(fd);
      struct stat st {};
      if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        throw Failure("ESOURCE", showPath(path) + ": source " + showPath(source) + " is not a regular file");
      }
      checkAt(sqfs_block_processor_begin_file(processor_.get(), &node.fileInode, nullptr, 0), path);
      for (;;) {
        const ssize_t n = read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throwErrno("ESOURCE", showPath(path) + ": cannot read source " + showPath(source), errno);
        if (n == 0) break;
        checkAt(sqfs_block_processor_append(processor_.get(), chunk.data(), static_cast<size_t>(n)), path);
      }
      checkAt(sqfs_block_processor_end_file(processor_.get()), path);
    }
    check(sqfs_block_processor_finish(processor_.get()), "data blocks");
  }

  // Children before parents, each directory's entries in name order; the root comes last.
  void numberInodes(Node* node) {
    // std::string compares bytes as unsigned chars, the order squashfs directories need.
    std::sort(node->children.begin(), node->children.end(),
              [](const Node* a, const Node* b) { return a->name < b->name; });
    for (Node* child : node->children) {
      if (child->kind == WriteKind::Dir) numberInodes(child);
      else child->inodeNumber = ++count_;
    }
    node->inodeNumber = ++count_;
  }

  void writeTables() {
    super_.inode_table_start = file_->size;
    writeInodes(root_);
    check(sqfs_meta_writer_flush(inodes_.get()), "inode table");
    check(sqfs_meta_writer_flush(dirs_.get()), "directory table");
    super_.root_inode_ref = root_->inodeRef;
    super_.inode_count = count_;
    super_.directory_table_start = file_->size;
    check(sqfs_meta_write_write_to_file(dirs_.get()), "directory table");
    check(sqfs_frag_table_write(frags_.get(), base(), &super_, cmp_.get()), "fragment table");
    check(sqfs_id_table_write(ids_.get(), base(), &super_, cmp_.get()), "uid/gid table");
    super_.bytes_used = file_->size;
    check(sqfs_super_write(&super_, base()), "superblock");
    const size_t tail = static_cast<size_t>(file_->size % kDeviceBlock);
    if (tail != 0) {
      const std::vector<uint8_t> zeros(kDeviceBlock - tail);
      check(file_->base.write_at(base(), file_->size, zeros.data(), zeros.size()), "padding");
    }
    if (fsync(fd_.get()) != 0) throwErrno("EIO", "cannot sync the image", errno);
  }

  void writeInodes(Node* node) {
    for (Node* child : node->children) {
      if (child->kind == WriteKind::Dir) writeInodes(child);
      else writeInode(child, leafInode(child));
    }
    writeInode(node, dirInode(node));
  }

  InodePtr leafInode(Node* node) {
    if (node->kind == WriteKind::File) {
      InodePtr inode(node->fileInode);
      node->fileInode = nullptr;
      return inode;
    }
    const std::string& target = node->entry->target;
    auto* raw = static_cast<sqfs_inode_generic_t*>(std::calloc(1, sizeof(sqfs_inode_generic_t) + target.size()));
    if (raw == nullptr) throw std::bad_alloc();
    InodePtr inode(raw);
    inode->base.type = SQFS_INODE_SLINK;
    inode->payload_bytes_available = static_cast<sqfs_u32>(target.size());
    inode->payload_bytes_used = static_cast<sqfs_u32>(target.size());
    inode->data.slink.nlink = 1;
    inode->data.slink.target_size = static_cast<sqfs_u32>(target.size());
    std::memcpy(inode->extra, target.data(), target.size());
    return inode;
  }

  InodePtr dirInode(Node* node) {
    const std::string path = node->entry != nullptr ? node->entry->path : "";
    checkAt(sqfs_dir_writer_begin(dirWriter_.get(), 0), path);
    size_t subdirs = 0;
    for (const Node* child : node->children) {
      if (child->kind == WriteKind::Dir) ++subdirs;
      checkAt(sqfs_dir_writer_add_entry(dirWriter_.get(), child->name.c_str(), child->inodeNumber, child->inodeRef,
                                        static_cast<sqfs_u16>(typeBits(child->kind) | child->mode)),
              path);
    }
    checkAt(sqfs_dir_writer_end(dirWriter_.get()), path);
    // The root's parent number is one past the last inode, as mksquashfs has it.
    const uint32_t parent = node->parent != nullptr ? node->parent->inodeNumber : count_ + 1;
    InodePtr inode(sqfs_dir_writer_create_inode(dirWriter_.get(), 0, 0xFFFFFFFF, parent));
    if (!inode) throw std::bad_alloc();
    const auto links = static_cast<sqfs_u32>(2 + subdirs);
    if (inode->base.type == SQFS_INODE_DIR) inode->data.dir.nlink = links;
    else inode->data.dir_ext.nlink = links;
    return inode;
  }

  void writeInode(Node* node, InodePtr inode) {
    const std::string path = node->entry != nullptr ? node->entry->path : "";
    inode->base.mode = static_cast<sqfs_u16>(typeBits(node->kind) | node->mode);
    inode->base.mod_time = options_.mtime;
    inode->base.inode_number = node->inodeNumber;
    checkAt(sqfs_id_table_id_to_index(ids_.get(), 0, &inode->base.uid_idx), path);
    inode->base.gid_idx = inode->base.uid_idx;
    sqfs_u64 block = 0;
    sqfs_u32 offset = 0;
    sqfs_meta_writer_get_position(inodes_.get(), &block, &offset);
    node->inodeRef = (block << 16) | offset;
    checkAt(sqfs_meta_writer_write_inode(inodes_.get(), inode.get()), path);
  }

  void check(int rc, const std::string& what) {
    if (rc == 0) return;
    if (rc == SQFS_ERROR_ALLOC) throw std::bad_alloc();
    if (rc == SQFS_ERROR_IO && file_ && file_->error != 0) throwErrno("EIO", "writing the " + what, file_->error);
    throw Failure("EWRITE", "writing the " + what + ": " + sqfsReason(rc));
  }

  void checkAt(int rc, const std::string& path) {
    if (rc == 0) return;
    if (rc == SQFS_ERROR_ALLOC) throw std::bad_alloc();
    if (rc == SQFS_ERROR_IO && file_ && file_->error != 0) {
      throwErrno("EIO", showPath(path) + ": write failed", file_->error);
    }
    throw Failure("EWRITE", showPath(path) + ": " + sqfsReason(rc));
  }

  sqfs_file_t* base() { return &file_->base; }

  const WriteOptions& options_;
  std::map<std::string, const WriteEntry*> byPath_;
  std::vector<Node> nodes_;
  Node* root_ = nullptr;
  uint32_t count_ = 0;

  Fd fd_;
  sqfs_super_t super_{};
  // Declared in dependency order: members are destroyed in reverse, users before what they use.
  std::unique_ptr<OutFile, Destroy> file_;
  Owned<sqfs_compressor_t> cmp_;
  Owned<sqfs_compressor_t> uncmp_;
  Owned<sqfs_block_writer_t> blocks_;
  Owned<sqfs_frag_table_t> frags_;
  Owned<sqfs_id_table_t> ids_;
  Owned<sqfs_meta_writer_t> inodes_;
  Owned<sqfs_meta_writer_t> dirs_;
  Owned<sqfs_dir_writer_t> dirWriter_;
  Owned<sqfs_block_processor_t> processor_;
};

}  // namespace

WriteResult writeImage(const WriteOptions& options) { return ImageWriter(options).write(); }

}  // namespace mkb
