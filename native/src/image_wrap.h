// The JavaScript face of an open image. Every method that touches the image
// runs on the libuv thread pool and returns a promise.
#pragma once

#include <napi.h>

#include <memory>

#include "image.h"

namespace mkb {

class ImageWrap : public Napi::ObjectWrap<ImageWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  // Builds the JS object for a freshly opened image.
  static Napi::Object create(Napi::Env env, std::shared_ptr<const Image> image);

  explicit ImageWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value superblock(const Napi::CallbackInfo& info);
  Napi::Value list(const Napi::CallbackInfo& info);
  Napi::Value stat(const Napi::CallbackInfo& info);
  Napi::Value readFile(const Napi::CallbackInfo& info);
  Napi::Value openFile(const Napi::CallbackInfo& info);
  Napi::Value readPieces(const Napi::CallbackInfo& info);
  Napi::Value extract(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);

  // Dropped by close(); the finalizer releases it otherwise. Running jobs
  // hold their own reference, so closing never pulls state from under them.
  std::shared_ptr<const Image> image_;
};

// Queues the open of `path`; resolves to an ImageWrap object.
Napi::Value openImage(const Napi::CallbackInfo& info);

}  // namespace mkb
