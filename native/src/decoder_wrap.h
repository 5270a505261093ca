// createDecoder(format) and decode(handle, input, finish): streaming xz and
// zstd decompression on the thread pool, a bounded piece per call.
#pragma once

#include <napi.h>

namespace mkb {

Napi::Value createDecoderJs(const Napi::CallbackInfo& info);
Napi::Value decodeJs(const Napi::CallbackInfo& info);

}  // namespace mkb
