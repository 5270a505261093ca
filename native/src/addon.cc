// Module entry: open() plus a census of live native objects for leak tests.
#include <napi.h>

#include "image.h"
#include "image_wrap.h"

namespace {

Napi::Value liveObjects(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("images", static_cast<double>(mkb::Image::liveImages.load()));
  out.Set("readers", static_cast<double>(mkb::Image::liveReaders.load()));
  return out;
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  mkb::ImageWrap::define(env);
  exports.Set("open", Napi::Function::New<mkb::openImage>(env, "open"));
  exports.Set("liveObjects", Napi::Function::New<liveObjects>(env, "liveObjects"));
  return exports;
}

}  // namespace

NODE_API_MODULE(squashfs, init)
