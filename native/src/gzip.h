// gzip members compressed by libdeflate (whole-buffer DEFLATE, levels 0..12).
#pragma once

#include <cstddef>
#include <cstdint>

#include "job.h"

namespace mkb {

constexpr int kMinGzipLevel = 0;
constexpr int kMaxGzipLevel = 12;

// One gzip member of `in` at `level`: mtime 0, no name, OS Unix, so that the
// same bytes and level give the same member on every host. Throws a Failure
// (EINTERNAL) if libdeflate refuses; std::bad_alloc when out of memory.
Bytes gzipMember(const uint8_t* in, size_t size, int level);

// zlib's gzip member of `in` at `level` (1..9), as gzip writes it without a
// name (mtime 0, OS Unix); its size alone is counted without keeping the bytes.
size_t zlibMemberSize(const uint8_t* in, size_t size, int level);
Bytes zlibMember(const uint8_t* in, size_t size, int level);

// zlib's gzip member of `in` at `level` (1..9), as gzip writes it without a
// name: mtime 0, OS Unix. The size alone is counted without keeping the bytes.
size_t zlibMemberSize(const uint8_t* in, size_t size, int level);
Bytes zlibMember(const uint8_t* in, size_t size, int level);

}  // namespace mkb
