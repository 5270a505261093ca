#include "gzip.h"

#include <libdeflate.h>

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

}  // namespace

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
