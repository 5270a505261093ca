// An open squashfs image: the superblock and tables read once at open, plus a
// pool of per-thread Readers so overlapping operations never share state.
#pragma once

#include <sqfs/block.h>
#include <sqfs/compressor.h>
#include <sqfs/dir_reader.h>
#include <sqfs/inode.h>
#include <sqfs/super.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pread_file.h"

namespace mkb {

struct SqfsFree {
  void operator()(void* p) const { sqfs_free(p); }
};
using InodeRef = std::shared_ptr<const sqfs_inode_generic_t>;

// Takes ownership of an inode allocated by libsquashfs.
InodeRef adoptInode(sqfs_inode_generic_t* inode);

class Image;

// One thread's decoding state: a decompressor, a directory reader and a
// one-entry fragment block cache. Never used by two threads at once.
class Reader {
 public:
  explicit Reader(const Image& image);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  const Image& image() const { return image_; }
  sqfs_dir_reader_t* dirReader() { return dir_; }

  // Decodes the data block described by `word` at `offset` into `out`, which
  // receives exactly `expected` bytes (zeros for a sparse block).
  void readBlock(uint64_t offset, uint32_t word, size_t expected, uint8_t* out, const std::string& path);

  // Returns `size` bytes at `offset` inside fragment block `index`; valid until
  // the next call.
  const uint8_t* fragment(uint32_t index, uint32_t offset, size_t size, const std::string& path);

 private:
  const Image& image_;
  sqfs_compressor_t* cmp_ = nullptr;
  sqfs_dir_reader_t* dir_ = nullptr;
  std::vector<uint8_t> scratch_;
  std::vector<uint8_t> frag_;
  size_t fragSize_ = 0;
  uint32_t fragIndex_ = 0;
  bool fragValid_ = false;
};

class Image {
 public:
  // Opens and validates `path`; throws Failure with an image-level message.
  static std::shared_ptr<Image> open(const std::string& path);
  ~Image();
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;

  const sqfs_super_t& super() const { return super_; }
  sqfs_file_t* file() const { return &file_->base; }
  const std::string& compressorName() const { return compressorName_; }

  // Resolves a uid/gid table index; throws for an index past the table.
  uint32_t id(uint16_t index, const std::string& path) const;
  const sqfs_fragment_t* fragmentEntry(uint32_t index) const;

  sqfs_compressor_t* makeCompressor() const;

  std::unique_ptr<Reader> acquire() const;
  void release(std::unique_ptr<Reader> reader) const;

  static std::atomic<long> liveImages;
  static std::atomic<long> liveReaders;

 private:
  Image(int fd, uint64_t size);
  void load();

  int fd_;
  PreadFile* file_;
  sqfs_super_t super_{};
  std::string compressorName_;
  std::vector<uint32_t> ids_;
  std::vector<sqfs_fragment_t> fragments_;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<Reader>> idle_;
};

// Borrows a Reader from an image for one operation and gives it back after.
class Lease {
 public:
  explicit Lease(std::shared_ptr<const Image> image) : image_(std::move(image)), reader_(image_->acquire()) {}
  ~Lease() { image_->release(std::move(reader_)); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  Reader& operator*() { return *reader_; }

 private:
  std::shared_ptr<const Image> image_;
  std::unique_ptr<Reader> reader_;
};

}  // namespace mkb
