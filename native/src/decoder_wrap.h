// createDecoder(format), decode(handle, input, finish) and closeDecoder(handle):
// streaming xz and zstd decompression on the thread pool, a bounded piece per call.
#pragma once

#include <napi.h>

namespace mkb {

Napi::Value createDecoderJs(const Napi::CallbackInfo& info);
Napi::Value decodeJs(const Napi::CallbackInfo& info);
// Frees the decoder's memory now (after a step in progress); later calls reject.
Napi::Value closeDecoderJs(const Napi::CallbackInfo& info);

}  // namespace mkb
