// Failures raised on worker threads and handed to JavaScript as rejections.
#pragma once

#include <stdexcept>
#include <string>

namespace mkb {

// A one-line failure. `code` lets callers tell classes apart without parsing
// the message; the message never names the image (the JS side prefixes it).
class Failure : public std::runtime_error {
 public:
  Failure(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// A path in a message is marked, never written raw: kPathStart, its bytes in lowercase hex,
// kPathEnd (the root as '/'). src/squashfs/binding.ts turns each into quoted(bytes).
constexpr char kPathStart = '\x1e';
constexpr char kPathEnd = '\x1f';
std::string showPath(const std::string& path);

// Short text for a libsquashfs error code, for use inside a message.
std::string sqfsReason(int err);

// strerror, safe to call from any thread.
std::string errnoText(int err);

// "truncated or corrupt (what)", for the image as a whole.
[[noreturn]] void throwCorrupt(const std::string& what);

// "path: truncated or corrupt (what)", for one entry of the image.
[[noreturn]] void throwCorruptAt(const std::string& path, const std::string& what);

// Throws the Failure matching a libsquashfs error code, naming `path`.
[[noreturn]] void throwSqfs(int err, const std::string& path);

// Throws "what (strerror)" with the given code.
[[noreturn]] void throwErrno(const std::string& code, const std::string& what, int err);

}  // namespace mkb
