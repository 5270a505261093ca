#include "image.h"

#include <fcntl.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/io.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "errors.h"

namespace mkb {

std::atomic<long> Image::liveImages{0};
std::atomic<long> Image::liveReaders{0};

namespace {

// Idle readers kept per image; more only exist while calls overlap.
constexpr size_t kMaxIdleReaders = 8;

struct TableDeleter {
  void operator()(void* p) const { sqfs_destroy(p); }
};

}  // namespace

InodeRef adoptInode(sqfs_inode_generic_t* inode) { return InodeRef(inode, SqfsFree()); }

std::shared_ptr<Image> Image::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throwErrno(errno == ENOENT ? "ENOFILE" : "EIO", "cannot open image", errno);
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Failure("ENOTSQUASHFS", "not a regular file");
  }
  std::shared_ptr<Image> image(new Image(fd, static_cast<uint64_t>(st.st_size)));
  image->load();
  return image;
}

Image::Image(int fd, uint64_t size) : fd_(fd), file_(preadFileCreate(fd, size)) { ++liveImages; }

Image::~Image() {
  idle_.clear();
  sqfs_destroy(file_);
  ::close(fd_);
  --liveImages;
}

void Image::load() {
  const uint64_t size = file_->size;
  char magic[4] = {};
  if (size < sizeof magic || file_->base.read_at(&file_->base, 0, magic, sizeof magic) != 0 ||
      std::memcmp(magic, "hsqs", sizeof magic) != 0) {
    throw Failure("ENOTSQUASHFS", "not a squashfs image");
  }
  if (size < sizeof(sqfs_super_t)) throwCorrupt("image is " + std::to_string(size) + " bytes, shorter than a superblock");

  const int err = sqfs_super_read(&super_, file());
  if (err == SFQS_ERROR_SUPER_MAGIC) throw Failure("ENOTSQUASHFS", "not a squashfs image");
  if (err == SFQS_ERROR_SUPER_VERSION) {
    // sqfs_super_read leaves the struct undefined on failure: decode the raw fields.
    uint8_t raw[4] = {};
    file_->base.read_at(&file_->base, 28, raw, sizeof raw);
    throw Failure("EUNSUPPORTED", "unsupported squashfs version " + std::to_string(raw[0] | raw[1] << 8) + "." +
                                      std::to_string(raw[2] | raw[3] << 8));
  }
  if (err == SQFS_ERROR_SUPER_BLOCK_SIZE) throwCorrupt("invalid block size");
  if (err != 0) throwCorrupt("superblock: " + sqfsReason(err));
  if (super_.bytes_used > size) {
    throwCorrupt("image is " + std::to_string(size) + " bytes, superblock says " + std::to_string(super_.bytes_used));
  }

  const char* name = sqfs_compressor_name_from_id(static_cast<SQFS_COMPRESSOR>(super_.compression_id));
  compressorName_ = name != nullptr ? name : "id " + std::to_string(super_.compression_id);

  std::unique_ptr<sqfs_compressor_t, TableDeleter> cmp(makeCompressor());

  std::unique_ptr<sqfs_id_table_t, TableDeleter> ids(sqfs_id_table_create(0));
  if (!ids) throw std::bad_alloc();
  int rc = sqfs_id_table_read(ids.get(), file(), &super_, cmp.get());
  if (rc != 0) throwCorrupt("uid/gid table: " + sqfsReason(rc));
  ids_.resize(super_.id_count);
  for (uint16_t i = 0; i < super_.id_count; ++i) sqfs_id_table_index_to_id(ids.get(), i, &ids_[i]);

  if (super_.fragment_entry_count > 0 && (super_.flags & SQFS_FLAG_NO_FRAGMENTS) == 0) {
    std::unique_ptr<sqfs_frag_table_t, TableDeleter> frags(sqfs_frag_table_create(0));
    if (!frags) throw std::bad_alloc();
    rc = sqfs_frag_table_read(frags.get(), file(), &super_, cmp.get());
    if (rc != 0) throwCorrupt("fragment table: " + sqfsReason(rc));
    fragments_.resize(sqfs_frag_table_get_size(frags.get()));
    for (size_t i = 0; i < fragments_.size(); ++i) {
      sqfs_frag_table_lookup(frags.get(), static_cast<sqfs_u32>(i), &fragments_[i]);
    }
  }

  // Reading the root inode up front makes a broken inode table fail open().
  auto reader = std::make_unique<Reader>(*this);
  sqfs_inode_generic_t* root = nullptr;
  rc = sqfs_dir_reader_get_root_inode(reader->dirReader(), &root);
  if (rc != 0) throwCorrupt("root inode: " + sqfsReason(rc));
  sqfs_free(root);
  release(std::move(reader));
}

sqfs_compressor_t* Image::makeCompressor() const {
  sqfs_compressor_config_t cfg{};
  const auto id = static_cast<SQFS_COMPRESSOR>(super_.compression_id);
  sqfs_compressor_t* cmp = nullptr;
  if (sqfs_compressor_config_init(&cfg, id, super_.block_size, SQFS_COMP_FLAG_UNCOMPRESS) != 0 ||
      sqfs_compressor_create(&cfg, &cmp) != 0) {
    throw Failure("EUNSUPPORTED", "unsupported compressor " + compressorName_);
  }
  if ((super_.flags & SQFS_FLAG_COMPRESSOR_OPTIONS) != 0) {
    const int rc = cmp->read_options(cmp, file());
    if (rc != 0) {
      sqfs_destroy(cmp);
      if (rc == SQFS_ERROR_UNSUPPORTED) throw Failure("EUNSUPPORTED", "unsupported " + compressorName_ + " options");
      throwCorrupt("compressor options: " + sqfsReason(rc));
    }
  }
  return cmp;
}

uint32_t Image::id(uint16_t index, const std::string& path) const {
  if (index >= ids_.size()) throwCorruptAt(path, "uid/gid index out of range");
  return ids_[index];
}

const sqfs_fragment_t* Image::fragmentEntry(uint32_t index) const {
  return index < fragments_.size() ? &fragments_[index] : nullptr;
}

std::unique_ptr<Reader> Image::acquire() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto reader = std::move(idle_.back());
      idle_.pop_back();
      return reader;
    }
  }
  return std::make_unique<Reader>(*this);
}

void Image::release(std::unique_ptr<Reader> reader) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdleReaders) idle_.push_back(std::move(reader));
}

Reader::Reader(const Image& image)
    : image_(image), scratch_(image.super().block_size), frag_(image.super().block_size) {
  cmp_ = image.makeCompressor();
  dir_ = sqfs_dir_reader_create(&image.super(), cmp_, image.file(), 0);
  if (dir_ == nullptr) {
    sqfs_destroy(cmp_);
    throw std::bad_alloc();
  }
  ++Image::liveReaders;
}

Reader::~Reader() {
  sqfs_destroy(dir_);
  sqfs_destroy(cmp_);
  --Image::liveReaders;
}

void Reader::readBlock(uint64_t offset, uint32_t word, size_t expected, uint8_t* out, const std::string& path) {
  const uint32_t onDisk = SQFS_ON_DISK_BLOCK_SIZE(word);
  if (onDisk == 0) {
    std::memset(out, 0, expected);
    return;
  }
  if (onDisk > image_.super().block_size) throwCorruptAt(path, "data block larger than the block size");
  sqfs_file_t* file = image_.file();
  if (!SQFS_IS_BLOCK_COMPRESSED(word)) {
    if (onDisk != expected) throwCorruptAt(path, "stored block has the wrong size");
    const int rc = file->read_at(file, offset, out, onDisk);
    if (rc != 0) throwCorruptAt(path, "data block: " + sqfsReason(rc));
    return;
  }
  int rc = file->read_at(file, offset, scratch_.data(), onDisk);
  if (rc != 0) throwCorruptAt(path, "data block: " + sqfsReason(rc));
  const sqfs_s32 n = cmp_->do_block(cmp_, scratch_.data(), onDisk, out, static_cast<sqfs_u32>(expected));
  if (n < 0) throwCorruptAt(path, "data block: " + sqfsReason(n));
  if (static_cast<size_t>(n) != expected) throwCorruptAt(path, "data block decompressed to the wrong size");
}

const uint8_t* Reader::fragment(uint32_t index, uint32_t offset, size_t size, const std::string& path) {
  if (!fragValid_ || fragIndex_ != index) {
    const sqfs_fragment_t* entry = image_.fragmentEntry(index);
    if (entry == nullptr) throwCorruptAt(path, "fragment index out of range");
    const uint32_t onDisk = SQFS_ON_DISK_BLOCK_SIZE(entry->size);
    const uint32_t blockSize = image_.super().block_size;
    if (onDisk > blockSize) throwCorruptAt(path, "fragment block larger than the block size");
    fragValid_ = false;
    sqfs_file_t* file = image_.file();
    if (!SQFS_IS_BLOCK_COMPRESSED(entry->size)) {
      const int rc = file->read_at(file, entry->start_offset, frag_.data(), onDisk);
      if (rc != 0) throwCorruptAt(path, "fragment block: " + sqfsReason(rc));
      fragSize_ = onDisk;
    } else {
      const int rc = file->read_at(file, entry->start_offset, scratch_.data(), onDisk);
      if (rc != 0) throwCorruptAt(path, "fragment block: " + sqfsReason(rc));
      const sqfs_s32 n = cmp_->do_block(cmp_, scratch_.data(), onDisk, frag_.data(), blockSize);
      if (n < 0) throwCorruptAt(path, "fragment block: " + sqfsReason(n));
      fragSize_ = static_cast<size_t>(n);
    }
    fragIndex_ = index;
    fragValid_ = true;
  }
  if (offset > fragSize_ || size > fragSize_ - offset) throwCorruptAt(path, "fragment reference out of bounds");
  return frag_.data() + offset;
}

}  // namespace mkb
