#include "safe_fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <random>

#include "errors.h"

namespace mkb {

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

int Fd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

namespace {

[[noreturn]] void refuseSymlink(const Dest& dest, const std::string& path) {
  throw Failure("EUNSAFE", showPath(path) + ": refusing to follow symlink " + dest.at(path) + " in destination");
}

Fd openDirAt(const Dest& dest, int parent, const std::string& name, const std::string& path) {
  const int fd = openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) return Fd(fd);
  const int err = errno;
  struct stat st {};
  if (fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) refuseSymlink(dest, path);
    if (!S_ISDIR(st.st_mode)) {
      throw Failure("EEXIST", showPath(path) + ": " + dest.at(path) + " exists and is not a directory");
    }
  }
  throwErrno("EIO", showPath(path) + ": cannot open directory " + dest.at(path), err);
}

}  // namespace

Fd ensureDir(const Dest& dest, int parent, const std::string& name, const std::string& path) {
  // Owner-only until the final pass applies the image's mode.
  if (mkdirat(parent, name.c_str(), 0700) != 0 && errno != EEXIST) {
    throwErrno("EIO", showPath(path) + ": cannot create directory " + dest.at(path), errno);
  }
  return openDirAt(dest, parent, name, path);
}

Fd openDirPath(const Dest& dest, const std::string& path) {
  Fd current(fcntl(dest.root, F_DUPFD_CLOEXEC, 0));
  if (current.get() < 0) throwErrno("EIO", "cannot duplicate destination descriptor", errno);
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    current = openDirAt(dest, current.get(), path.substr(start, end - start), path.substr(0, end));
    start = end + 1;
  }
  return current;
}

std::string tempName() {
  // Unpredictable, so an image cannot plant an entry under a name we are about to use.
  static const unsigned long long nonce = (static_cast<unsigned long long>(std::random_device{}()) << 32) ^
                                          std::random_device{}() ^ static_cast<unsigned long long>(getpid());
  static std::atomic<unsigned long> counter{0};
  char buf[64];
  std::snprintf(buf, sizeof buf, ".mkbundle-tmp-%016llx-%lu", nonce, counter.fetch_add(1));
  return buf;
}

void commitName(const Dest& dest, int dir, const std::string& tmp, const std::string& name, const std::string& path) {
  if (renameat(dir, tmp.c_str(), dir, name.c_str()) != 0) {
    const int err = errno;
    unlinkat(dir, tmp.c_str(), 0);
    throwErrno("EIO", showPath(path) + ": cannot replace " + dest.at(path), err);
  }
  // rename() between two links of one inode succeeds without removing `tmp`.
  unlinkat(dir, tmp.c_str(), 0);
}

void applyMetaAt(const Dest& dest, int dir, const std::string& name, const std::string& path, bool chown, uid_t uid,
                 gid_t gid, mode_t mode, bool setMode, time_t mtime) {
  if (chown && fchownat(dir, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
    throwErrno("EIO", showPath(path) + ": cannot set owner of " + dest.at(path), errno);
  }
  if (setMode && fchmodat(dir, name.c_str(), mode, 0) != 0) {
    throwErrno("EIO", showPath(path) + ": cannot set mode of " + dest.at(path), errno);
  }
  const struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
  if (utimensat(dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    throwErrno("EIO", showPath(path) + ": cannot set mtime of " + dest.at(path), errno);
  }
}

void applyMetaFd(const Dest& dest, int fd, const std::string& path, bool chown, uid_t uid, gid_t gid, mode_t mode,
                 time_t mtime) {
  // chown clears setuid/setgid, so it has to come before chmod.
  if (chown && fchown(fd, uid, gid) != 0) {
    throwErrno("EIO", showPath(path) + ": cannot set owner of " + dest.at(path), errno);
  }
  if (fchmod(fd, mode) != 0) throwErrno("EIO", showPath(path) + ": cannot set mode of " + dest.at(path), errno);
  const struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
  if (futimens(fd, times) != 0) throwErrno("EIO", showPath(path) + ": cannot set mtime of " + dest.at(path), errno);
}

void splitLast(const std::string& path, std::string* parent, std::string* name) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    parent->clear();
    *name = path;
  } else {
    *parent = path.substr(0, slash);
    *name = path.substr(slash + 1);
  }
}

}  // namespace mkb
