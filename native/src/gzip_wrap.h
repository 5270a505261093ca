// gzip(input, level), and the gathered form for input that arrives in chunks:
// createGzipInput(), appendGzipInput(handle, chunk), gzipInput(handle, level),
// smallestGzipInput(handle, level, zlibLevel), writeGzipMember(handle, fd,
// position), closeGzipInput(handle).
// Compression runs on the thread pool.
#pragma once

#include <napi.h>

#include <atomic>

namespace mkb {

Napi::Value gzipJs(const Napi::CallbackInfo& info);
Napi::Value createGzipInputJs(const Napi::CallbackInfo& info);
// Copies the chunk at once (the caller may reuse it) and returns the bytes gathered so far.
Napi::Value appendGzipInputJs(const Napi::CallbackInfo& info);
// Compresses what was gathered, then frees it; the handle takes no more chunks.
Napi::Value gzipInputJs(const Napi::CallbackInfo& info);
// Makes the smaller of libdeflate's member at `level` and zlib's at `zlibLevel`
// and keeps it, freeing the gathered bytes: { by: "libdeflate" | "zlib", size,
// libdeflateSize, zlibSize }.
Napi::Value smallestGzipInputJs(const Napi::CallbackInfo& info);
// Writes that member to a file descriptor at a position (pwrite); resolves its size.
Napi::Value writeGzipMemberJs(const Napi::CallbackInfo& info);
// Frees the gathered bytes and the member now (after a job in progress); later calls fail.
Napi::Value closeGzipInputJs(const Napi::CallbackInfo& info);

// Gathered inputs holding memory right now (for leak tests).
extern std::atomic<long> liveGzipInputs;

}  // namespace mkb
