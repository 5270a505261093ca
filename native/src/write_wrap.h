// writeImage(out, entries, mtime): the squashfs writer, on the thread pool.
#pragma once

#include <napi.h>

namespace mkb {

Napi::Value writeImageJs(const Napi::CallbackInfo& info);

}  // namespace mkb
