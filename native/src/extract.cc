#include "extract.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "errors.h"
#include "file_data.h"
#include "safe_fs.h"
#include "tree.h"

namespace mkb {
namespace {

// Writes are gathered into chunks this large to keep syscalls few.
constexpr size_t kWriteChunk = 256 * 1024;
// A batch handed to a writer thread closes at this many files or bytes, so
// neighbouring small files (which share fragment blocks) stay on one thread.
constexpr size_t kBatchFiles = 32;
constexpr uint64_t kBatchBytes = 512 * 1024;

struct Meta {
  uid_t uid;
  gid_t gid;
  mode_t mode;
  time_t mtime;
};

struct Node {
  std::string path;
  InodeRef inode;
  Kind kind;
};

struct FileJob {
  std::shared_ptr<Fd> dir;
  std::string name;
  std::string path;
  InodeRef inode;
  Meta meta;
};

// Depth-first order: comparing paths with '/' mapped to NUL puts every
// directory's contents right after it and before its next sibling.
std::string orderKey(std::string path) {
  std::replace(path.begin(), path.end(), '/', '\0');
  return path;
}

size_t depthOf(const std::string& path) { return static_cast<size_t>(std::count(path.begin(), path.end(), '/')) + 1; }

bool isSpecial(Kind kind) { return kind == Kind::CharDev || kind == Kind::BlockDev || kind == Kind::Fifo || kind == Kind::Socket; }

const char* specialNoun(Kind kind) {
  switch (kind) {
    case Kind::CharDev:
      return "character device";
    case Kind::BlockDev:
      return "block device";
    case Kind::Fifo:
      return "fifo";
    default:
      return "socket";
  }
}

Meta metaOf(const Image& image, const Node& node) {
  const sqfs_inode_generic_t* inode = node.inode.get();
  return Meta{image.id(inode->base.uid_idx, node.path), image.id(inode->base.gid_idx, node.path),
              static_cast<mode_t>(inode->base.mode & 07777), static_cast<time_t>(inode->base.mod_time)};
}

std::map<std::string, Node> collect(Reader& reader, const ExtractOptions& options) {
  std::map<std::string, Node> nodes;
  const Visitor add = [&nodes](const std::string& path, InodeRef inode, int) {
    // The root is the destination itself, which belongs to the caller.
    if (path.empty()) return;
    std::string key = orderKey(path);
    if (nodes.count(key) != 0) return;
    const Kind kind = inodeKind(inode.get(), path);
    nodes.emplace(std::move(key), Node{path, std::move(inode), kind});
  };
  const bool all = options.all || std::find(options.paths.begin(), options.paths.end(), "") != options.paths.end();
  if (all) {
    walk(reader, "", resolve(reader, ""), INT_MAX, add);
    return nodes;
  }
  for (const std::string& path : options.paths) {
    InodeRef target = resolve(reader, path);
    for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      const std::string parent = path.substr(0, slash);
      if (nodes.count(orderKey(parent)) == 0) add(parent, resolve(reader, parent), 0);
    }
    walk(reader, path, std::move(target), INT_MAX, add);
  }
  return nodes;
}

// Refuses the whole extraction before anything is written.
void precheck(const std::map<std::string, Node>& nodes, bool allowDevices) {
  for (const auto& entry : nodes) {
    const Node& node = entry.second;
    if (isSpecial(node.kind) && !allowDevices) {
      throw Failure("EDEVICE",
                    showPath(node.path) + ": is a " + specialNoun(node.kind) + "; refusing to create it without allowDevices");
    }
    if (node.kind == Kind::Symlink) {
      const std::string target = symlinkTarget(node.inode.get());
      if (target.empty() || target.find('\0') != std::string::npos) throwCorruptAt(node.path, "invalid symlink target");
    }
  }
}

// Creates a temporary entry with `make(name)`, retrying on a name clash.
// `permissionHint` explains an EPERM, for entries only root may create.
template <typename Make>
std::string createTemp(const Dest& dest, const std::string& path, const char* what, Make make,
                       const char* permissionHint = nullptr) {
  for (int attempt = 0;; ++attempt) {
    std::string tmp = tempName();
    if (make(tmp) == 0) return tmp;
    const int err = errno;
    if (err == EEXIST && attempt < 100) continue;
    const std::string message = showPath(path) + ": cannot create " + what + " " + dest.at(path);
    if (err == EPERM && permissionHint != nullptr) {
      throw Failure("EPERM", message + " (" + errnoText(err) + "; " + permissionHint + ")");
    }
    throwErrno(err == EPERM ? "EPERM" : "EIO", message, err);
  }
}

// Removes a temporary file unless the write that made it completed.
class TempGuard {
 public:
  TempGuard(int dir, std::string name) : dir_(dir), name_(std::move(name)) {}
  ~TempGuard() {
    if (!name_.empty()) unlinkat(dir_, name_.c_str(), 0);
  }
  TempGuard(const TempGuard&) = delete;
  TempGuard& operator=(const TempGuard&) = delete;
  void dismiss() { name_.clear(); }

 private:
  int dir_;
  std::string name_;
};

class FileWriter {
 public:
  FileWriter(const Image& image, const Dest& dest, bool asRoot) : image_(image), dest_(dest), asRoot_(asRoot) {}

  void write(Reader& reader, const FileJob& job, std::vector<uint8_t>& buffer) {
    const uint32_t blockSize = image_.super().block_size;
    const FileLayout layout = fileLayout(job.inode.get(), blockSize, job.path);
    const int dir = job.dir->get();
    Fd fd;
    const std::string tmp = createTemp(dest_, job.path, "file", [&](const std::string& name) {
      fd = Fd(openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      return fd.get() < 0 ? -1 : 0;
    });
    TempGuard guard(dir, tmp);

    const size_t capacity = std::max<size_t>(kWriteChunk / blockSize, 1) * blockSize;
    if (buffer.size() < capacity) buffer.resize(capacity);
    size_t filled = 0;
    bool endsInHole = false;
    uint64_t offset = layout.start;
    for (size_t i = 0; i < layout.blocks; ++i) {
      const size_t size = layout.pieceSize(i);
      const uint32_t word = layout.words[i];
      if (SQFS_IS_SPARSE_BLOCK(word)) {
        flush(fd.get(), buffer.data(), &filled, job.path);
        if (lseek(fd.get(), static_cast<off_t>(size), SEEK_CUR) < 0) fail(job.path, errno);
        endsInHole = true;
        continue;
      }
      if (filled + size > buffer.size()) flush(fd.get(), buffer.data(), &filled, job.path);
      reader.readBlock(offset, word, size, buffer.data() + filled, job.path);
      offset += SQFS_ON_DISK_BLOCK_SIZE(word);
      filled += size;
      endsInHole = false;
    }
    flush(fd.get(), buffer.data(), &filled, job.path);
    if (layout.tail > 0) {
      const uint8_t* tail = reader.fragment(layout.fragIndex, layout.fragOffset, layout.tail, job.path);
      writeAll(fd.get(), tail, layout.tail, job.path);
    } else if (endsInHole && ftruncate(fd.get(), static_cast<off_t>(layout.size)) != 0) {
      fail(job.path, errno);
    }
    applyMetaFd(dest_, fd.get(), job.path, asRoot_, job.meta.uid, job.meta.gid, job.meta.mode, job.meta.mtime);
    if (::close(fd.release()) != 0) fail(job.path, errno);
    commitName(dest_, dir, tmp, job.name, job.path);
    guard.dismiss();
  }

 private:
  [[noreturn]] void fail(const std::string& path, int err) {
    throwErrno("EIO", showPath(path) + ": cannot write " + dest_.at(path), err);
  }

  void writeAll(int fd, const uint8_t* data, size_t size, const std::string& path) {
    while (size > 0) {
      const ssize_t n = ::write(fd, data, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail(path, errno);
      }
      data += n;
      size -= static_cast<size_t>(n);
    }
  }

  void flush(int fd, const uint8_t* data, size_t* filled, const std::string& path) {
    writeAll(fd, data, *filled, path);
    *filled = 0;
  }

  const Image& image_;
  const Dest& dest_;
  bool asRoot_;
};

// Runs file jobs on worker threads, each with its own Reader. Started lazily:
// an extraction with a single batch of files stays on the calling thread.
class WriterPool {
 public:
  WriterPool(std::shared_ptr<const Image> image, FileWriter& writer, unsigned threads)
      : image_(std::move(image)), writer_(writer), threads_(threads) {}

  ~WriterPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
      queue_.clear();
    }
    ready_.notify_all();
    space_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  WriterPool(const WriterPool&) = delete;
  WriterPool& operator=(const WriterPool&) = delete;

  void submit(FileJob job, Reader& reader) {
    batchBytes_ += fileSize(job.inode.get());
    batch_.push_back(std::move(job));
    if (batch_.size() >= kBatchFiles || batchBytes_ >= kBatchBytes) dispatch(reader);
  }

  void finish(Reader& reader) {
    if (workers_.empty()) {
      runInline(reader);
      return;
    }
    dispatch(reader);
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    ready_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void runInline(Reader& reader) {
    for (const FileJob& job : batch_) writer_.write(reader, job, buffer_);
    batch_.clear();
    batchBytes_ = 0;
  }

  void dispatch(Reader& reader) {
    if (batch_.empty()) return;
    if (threads_ <= 1) {
      runInline(reader);
      return;
    }
    while (workers_.size() < threads_) workers_.emplace_back([this] { work(); });
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [this] { return queue_.size() < 2 * threads_ || error_; });
    if (error_) std::rethrow_exception(error_);
    queue_.push_back(std::move(batch_));
    batch_.clear();
    batchBytes_ = 0;
    lock.unlock();
    ready_.notify_one();
  }

  void work() {
    std::unique_ptr<Lease> lease;
    std::vector<uint8_t> buffer;
    for (;;) {
      std::vector<FileJob> batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [this] { return !queue_.empty() || closing_; });
        if (queue_.empty()) return;
        batch = std::move(queue_.front());
        queue_.pop_front();
      }
      space_.notify_one();
      try {
        if (!lease) lease = std::make_unique<Lease>(image_);
        for (const FileJob& job : batch) writer_.write(**lease, job, buffer);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!error_) error_ = std::current_exception();
        queue_.clear();
        closing_ = true;
        ready_.notify_all();
        space_.notify_all();
        return;
      }
    }
  }

  std::shared_ptr<const Image> image_;
  FileWriter& writer_;
  unsigned threads_;
  std::vector<FileJob> batch_;
  uint64_t batchBytes_ = 0;
  std::vector<uint8_t> buffer_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::condition_variable space_;
  std::deque<std::vector<FileJob>> queue_;
  bool closing_ = false;
  std::exception_ptr error_;
};

void makeSymlink(const Dest& dest, int dir, const std::string& name, const Node& node, const Meta& meta, bool asRoot) {
  const std::string target = symlinkTarget(node.inode.get());
  const std::string tmp = createTemp(dest, node.path, "symlink",
                                     [&](const std::string& n) { return symlinkat(target.c_str(), dir, n.c_str()); });
  TempGuard guard(dir, tmp);
  applyMetaAt(dest, dir, tmp, node.path, asRoot, meta.uid, meta.gid, 0, false, meta.mtime);
  commitName(dest, dir, tmp, name, node.path);
  guard.dismiss();
}

void makeSpecial(const Image& image, const Dest& dest, int dir, const std::string& name, const Node& node,
                 const Meta& meta, bool asRoot) {
  const EntryInfo info = describe(image, node.path, node.inode.get());
  mode_t type = S_IFSOCK;
  if (node.kind == Kind::CharDev) type = S_IFCHR;
  if (node.kind == Kind::BlockDev) type = S_IFBLK;
  if (node.kind == Kind::Fifo) type = S_IFIFO;
  const dev_t device = makedev(info.major, info.minor);
  const bool isDevice = node.kind == Kind::CharDev || node.kind == Kind::BlockDev;
  const std::string tmp = createTemp(
      dest, node.path, specialNoun(node.kind),
      [&](const std::string& n) { return mknodat(dir, n.c_str(), type | 0600, device); },
      isDevice ? "creating device nodes needs root" : nullptr);
  TempGuard guard(dir, tmp);
  applyMetaAt(dest, dir, tmp, node.path, asRoot, meta.uid, meta.gid, meta.mode, true, meta.mtime);
  commitName(dest, dir, tmp, name, node.path);
  guard.dismiss();
}

void makeHardlink(const Dest& dest, const std::string& source, const std::string& path) {
  std::string sourceDir, sourceName, dir, name;
  splitLast(source, &sourceDir, &sourceName);
  splitLast(path, &dir, &name);
  const Fd from = openDirPath(dest, sourceDir);
  const Fd to = openDirPath(dest, dir);
  const std::string tmp = createTemp(dest, path, "hard link", [&](const std::string& n) {
    return linkat(from.get(), sourceName.c_str(), to.get(), n.c_str(), 0);
  });
  commitName(dest, to.get(), tmp, name, path);
}

unsigned threadCount(unsigned requested) {
  if (requested > 0) return std::min(requested, 64u);
  return std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
}

}  // namespace

ExtractStats extract(const std::shared_ptr<const Image>& image, const ExtractOptions& options) {
  Lease lease(image);
  const std::map<std::string, Node> nodes = collect(*lease, options);
  precheck(nodes, options.allowDevices);

  auto root = std::make_shared<Fd>(open(options.dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root->get() < 0) throwErrno("EIO", "cannot open destination " + options.dest, errno);
  const Dest dest{root->get(), options.dest};
  // Ownership comes from the image only when we may give files away.
  const bool asRoot = geteuid() == 0;

  ExtractStats stats;
  FileWriter writer(*image, dest, asRoot);
  WriterPool pool(image, writer, threadCount(options.threads));
  std::vector<std::shared_ptr<Fd>> stack{root};
  std::unordered_map<uint32_t, const Node*> firstLink;
  std::vector<std::pair<std::string, std::string>> hardlinks;
  std::vector<const Node*> dirs;

  for (const auto& entry : nodes) {
    const Node& node = entry.second;
    const size_t depth = depthOf(node.path);
    // Ancestors always precede their descendants, so the parent is on top.
    if (stack.size() < depth) throw Failure("EINTERNAL", showPath(node.path) + ": parent directory was not extracted");
    stack.resize(depth);
    std::string parentPath, name;
    splitLast(node.path, &parentPath, &name);
    const std::shared_ptr<Fd>& parent = stack.back();
    const Meta meta = metaOf(*image, node);

    if (node.kind == Kind::Dir) {
      stack.push_back(std::make_shared<Fd>(ensureDir(dest, parent->get(), name, node.path)));
      dirs.push_back(&node);
      ++stats.dirs;
      continue;
    }
    const auto seen = firstLink.emplace(node.inode->base.inode_number, &node);
    if (!seen.second && seen.first->second->kind == node.kind) {
      // Linked once everything else exists: the first name may still be in flight.
      hardlinks.emplace_back(seen.first->second->path, node.path);
      continue;
    }
    switch (node.kind) {
      case Kind::File:
        stats.bytes += fileSize(node.inode.get());
        ++stats.files;
        pool.submit(FileJob{parent, name, node.path, node.inode, meta}, *lease);
        break;
      case Kind::Symlink:
        makeSymlink(dest, parent->get(), name, node, meta, asRoot);
        ++stats.symlinks;
        break;
      default:
        makeSpecial(*image, dest, parent->get(), name, node, meta, asRoot);
        ++stats.devices;
        break;
    }
  }
  stack.clear();
  pool.finish(*lease);

  for (const auto& link : hardlinks) makeHardlink(dest, link.first, link.second);
  stats.hardlinks = hardlinks.size();

  // Children first, so a directory's final mode never blocks work below it.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    const Node& node = **it;
    const Meta meta = metaOf(*image, node);
    const Fd fd = openDirPath(dest, node.path);
    applyMetaFd(dest, fd.get(), node.path, asRoot, meta.uid, meta.gid, meta.mode, meta.mtime);
  }
  return stats;
}

}  // namespace mkb
