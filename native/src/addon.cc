// Module entry: open() and writeImage() for squashfs, the xz/zstd decoders, gzip
// by libdeflate, and a census of live native objects for leak tests.
#include <libdeflate.h>
#include <malloc.h>
#include <napi.h>

#include "decoder.h"
#include "decoder_wrap.h"
#include "gzip_wrap.h"
#include "image.h"
#include "image_wrap.h"
#include "write_wrap.h"

namespace {

Napi::Value liveObjects(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("images", static_cast<double>(mkb::Image::liveImages.load()));
  out.Set("readers", static_cast<double>(mkb::Image::liveReaders.load()));
  out.Set("decoders", static_cast<double>(mkb::Decoder::live.load()));
  out.Set("gzipInputs", static_cast<double>(mkb::liveGzipInputs.load()));
  return out;
}

// glibc raises its mmap threshold to the size of each large block freed, so
// after the first gzip member the next members' blocks (megabytes each) come
// from the arenas of the pool threads and stay resident once freed. A fixed
// threshold keeps every block of 1 MiB or more mapped on its own and given
// back when freed: 15 to 20 MiB less peak RSS for the ISO stage, no slower.
void fixMmapThreshold() {
#ifdef M_MMAP_THRESHOLD
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  fixMmapThreshold();
  mkb::ImageWrap::define(env);
  exports.Set("open", Napi::Function::New<mkb::openImage>(env, "open"));
  exports.Set("writeImage", Napi::Function::New<mkb::writeImageJs>(env, "writeImage"));
  exports.Set("createDecoder", Napi::Function::New<mkb::createDecoderJs>(env, "createDecoder"));
  exports.Set("decode", Napi::Function::New<mkb::decodeJs>(env, "decode"));
  exports.Set("closeDecoder", Napi::Function::New<mkb::closeDecoderJs>(env, "closeDecoder"));
  exports.Set("gzip", Napi::Function::New<mkb::gzipJs>(env, "gzip"));
  exports.Set("createGzipInput", Napi::Function::New<mkb::createGzipInputJs>(env, "createGzipInput"));
  exports.Set("appendGzipInput", Napi::Function::New<mkb::appendGzipInputJs>(env, "appendGzipInput"));
  exports.Set("gzipInput", Napi::Function::New<mkb::gzipInputJs>(env, "gzipInput"));
  exports.Set("smallestGzipInput", Napi::Function::New<mkb::smallestGzipInputJs>(env, "smallestGzipInput"));
  exports.Set("writeGzipMember", Napi::Function::New<mkb::writeGzipMemberJs>(env, "writeGzipMember"));
  exports.Set("closeGzipInput", Napi::Function::New<mkb::closeGzipInputJs>(env, "closeGzipInput"));
  exports.Set("libdeflateVersion", Napi::String::New(env, LIBDEFLATE_VERSION_STRING));
  exports.Set("liveObjects", Napi::Function::New<liveObjects>(env, "liveObjects"));
  return exports;
}

}  // namespace

NODE_API_MODULE(squashfs, init)
