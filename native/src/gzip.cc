#include "gzip.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>

#include "errors.h"

namespace mkb {
namespace {

constexpr size_t kHeader = 10;
constexpr size_t kTrailer = 8;

struct CompressorFree {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

void putLe32(uint8_t* at, uint32_t value) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<uint8_t>(value >> (8 * i));
}

// XFL as gzip and libdeflate-gzip set it: 4 for the fastest levels, 2 for the slowest.
uint8_t extraFlags(int level) { return level < 2 ? 4 : level >= 8 ? 2 : 0; }

// zlib's avail_in and avail_out are 32 bits wide.
constexpr size_t kZlibStep = size_t{1} << 30;
constexpr size_t kScratch = size_t{1} << 16;

// One zlib deflate stream with gzip's wrapper (windowBits 15 + 16) and memory level (8).
class ZlibGzip {
 public:
  explicit ZlibGzip(int level) {
    if (level < 1 || level > 9) throw Failure("ELEVEL", "zlib level must be 1..9");
    const int status = deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (status == Z_MEM_ERROR) throw std::bad_alloc();
    if (status != Z_OK) throw Failure("EINTERNAL", "zlib refused its parameters");
  }
  ~ZlibGzip() { deflateEnd(&z_); }
  ZlibGzip(const ZlibGzip&) = delete;
  ZlibGzip& operator=(const ZlibGzip&) = delete;

  size_t bound(size_t size) { return deflateBound(&z_, size); }

  // Compresses all of `in`; `room(out, avail)` points the output somewhere each time it is full.
  // Returns the bytes produced.
  template <typename Room>
  size_t run(const uint8_t* in, size_t size, Room room) {
    z_.next_in = const_cast<Bytef*>(in);
    z_.avail_in = 0;
    z_.avail_out = 0;
    size_t left = size;
    size_t total = 0;
    for (int status = Z_OK; status != Z_STREAM_END;) {
      if (z_.avail_in == 0 && left > 0) {
        const size_t step = std::min(left, kZlibStep);
        z_.avail_in = static_cast<uInt>(step);
        left -= step;
      }
      if (z_.avail_out == 0) room(z_.next_out, z_.avail_out);
      const uInt before = z_.avail_out;
      status = deflate(&z_, left == 0 ? Z_FINISH : Z_NO_FLUSH);
      if (status == Z_STREAM_ERROR || status == Z_BUF_ERROR) throw Failure("EINTERNAL", "zlib deflate failed");
      total += before - z_.avail_out;
    }
    return total;
  }

 private:
  z_stream z_{};
};

}  // namespace

size_t zlibMemberSize(const uint8_t* in, size_t size, int level) {
  ZlibGzip zlib(level);
  Bytes scratch(kScratch);
  return zlib.run(in, size, [&](Bytef*& out, uInt& avail) {
    out = scratch.data;
    avail = static_cast<uInt>(scratch.size);
  });
}

Bytes zlibMember(const uint8_t* in, size_t size, int level) {
  ZlibGzip zlib(level);
  Bytes out(zlib.bound(size));
  size_t given = 0;
  const size_t used = zlib.run(in, size, [&](Bytef*& next, uInt& avail) {
    if (given == out.size) throw Failure("EINTERNAL", "zlib output exceeded its own bound");
    const size_t step = std::min(out.size - given, kZlibStep);
    next = out.data + given;
    avail = static_cast<uInt>(step);
    given += step;
  });
  out.shrink(used);
  return out;
}

Bytes gzipMember(const uint8_t* in, size_t size, int level) {
  if (level < kMinGzipLevel || level > kMaxGzipLevel) throw Failure("ELEVEL", "level must be 0..12");
  // Only an invalid level or a failed allocation give no compressor; the level is valid here.
  std::unique_ptr<libdeflate_compressor, CompressorFree> compressor(libdeflate_alloc_compressor(level));
  if (!compressor) throw std::bad_alloc();
  Bytes out(kHeader + libdeflate_deflate_compress_bound(compressor.get(), size) + kTrailer);
  const uint8_t header[kHeader] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, extraFlags(level), 3};
  std::memcpy(out.data, header, kHeader);
  const size_t body =
      libdeflate_deflate_compress(compressor.get(), in, size, out.data + kHeader, out.size - kHeader - kTrailer);
  if (body == 0) throw Failure("EINTERNAL", "libdeflate output exceeded its own bound");
  uint8_t* trailer = out.data + kHeader + body;
  putLe32(trailer, libdeflate_crc32(0, in, size));
  putLe32(trailer + 4, static_cast<uint32_t>(size));
  out.shrink(kHeader + body + kTrailer);
  return out;
}

}  // namespace mkb
