// gzip(input, level), and the gathered form for input that arrives in chunks:
// createGzipInput(), appendGzipInput(handle, chunk), gzipInput(handle, level),
// closeGzipInput(handle). Compression runs on the thread pool.
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
// Frees the gathered bytes now (after a compression in progress); later calls fail.
Napi::Value closeGzipInputJs(const Napi::CallbackInfo& info);

// Gathered inputs holding memory right now (for leak tests).
extern std::atomic<long> liveGzipInputs;

}  // namespace mkb
