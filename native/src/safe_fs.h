// File-system primitives for extraction that never follow a symlink: every
// path is walked one component at a time relative to a directory fd.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "errors.h"

namespace mkb {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  int release();
  void reset();

 private:
  int fd_ = -1;
};

// Where extraction writes; `shown` is the destination as the caller named it,
// used only in messages.
struct Dest {
  int root;
  std::string shown;

  // The destination path of `path`, marked for a message (see showPath).
  std::string at(const std::string& path) const { return showPath(shown + "/" + path); }
};

// Opens (creating if missing) directory `name` in `parent`; refuses a symlink
// or non-directory in its place. `path` is the in-image path, for messages.
Fd ensureDir(const Dest& dest, int parent, const std::string& name, const std::string& path);

// Opens the existing directory at in-image path `path` below dest.root.
Fd openDirPath(const Dest& dest, const std::string& path);

// A fresh, hard-to-guess name for a temporary entry in a directory.
std::string tempName();

// Moves temporary entry `tmp` over `name` in `dir` (replacing a file, symlink
// or special file, never a directory).
void commitName(const Dest& dest, int dir, const std::string& tmp, const std::string& name, const std::string& path);

// Applies owner (if `chown`), permission bits and mtime to `name` in `dir`
// without following it if it is a symlink.
void applyMetaAt(const Dest& dest, int dir, const std::string& name, const std::string& path, bool chown, uid_t uid,
                 gid_t gid, mode_t mode, bool setMode, time_t mtime);

// The same through an open descriptor.
void applyMetaFd(const Dest& dest, int fd, const std::string& path, bool chown, uid_t uid, gid_t gid, mode_t mode,
                 time_t mtime);

// Splits a relative path into its parent and last component.
void splitLast(const std::string& path, std::string* parent, std::string* name);

}  // namespace mkb
