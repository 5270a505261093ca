#include "write_wrap.h"

#include "job.h"
#include "writer.h"

namespace mkb {
namespace {

class WriteJob : public Job {
 public:
  WriteJob(Napi::Env env, WriteOptions options) : Job(env), options_(std::move(options)) {}

 private:
  void run() override { result_ = writeImage(options_); }

  Napi::Value result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("bytes", static_cast<double>(result_.bytes));
    out.Set("inodes", result_.inodes);
    return out;
  }

  WriteOptions options_;
  WriteResult result_{};
};

std::string stringField(Napi::Env env, const Napi::Object& object, const char* key, bool required) {
  const Napi::Value value = object.Get(key);
  if (value.IsUndefined() && !required) return "";
  if (!value.IsString()) throw Napi::TypeError::New(env, std::string("writeImage: entry.") + key + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

WriteEntry entryFrom(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject()) throw Napi::TypeError::New(env, "writeImage: entries must be objects");
  const Napi::Object object = value.As<Napi::Object>();
  WriteEntry entry;
  const std::string kind = stringField(env, object, "kind", true);
  if (kind == "dir") entry.kind = WriteKind::Dir;
  else if (kind == "file") entry.kind = WriteKind::File;
  else if (kind == "symlink") entry.kind = WriteKind::Symlink;
  else throw Napi::TypeError::New(env, "writeImage: entry.kind must be 'dir', 'file' or 'symlink'");
  entry.path = stringField(env, object, "path", true);
  const Napi::Value mode = object.Get("mode");
  if (!mode.IsNumber()) throw Napi::TypeError::New(env, "writeImage: entry.mode must be a number");
  const double bits = mode.As<Napi::Number>().DoubleValue();
  // Out-of-range modes reach the writer as an impossible value, which it reports naming the entry.
  const bool valid = bits >= 0 && bits <= 07777 && bits == static_cast<uint32_t>(bits);
  entry.mode = valid ? static_cast<uint32_t>(bits) : 0xFFFFFFFF;
  if (entry.kind == WriteKind::File) entry.source = stringField(env, object, "source", true);
  if (entry.kind == WriteKind::Symlink) entry.target = stringField(env, object, "target", true);
  return entry;
}

}  // namespace

Napi::Value writeImageJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsArray() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "writeImage(out, entries, mtime)");
  }
  const double mtime = info[2].As<Napi::Number>().DoubleValue();
  if (!(mtime >= 0 && mtime <= 4294967295.0) || mtime != static_cast<double>(static_cast<uint32_t>(mtime))) {
    throw Napi::RangeError::New(env, "writeImage: mtime must be a whole number of seconds in 0..2^32-1");
  }
  WriteOptions options;
  options.out = info[0].As<Napi::String>().Utf8Value();
  options.mtime = static_cast<uint32_t>(mtime);
  const Napi::Array entries = info[1].As<Napi::Array>();
  options.entries.reserve(entries.Length());
  for (uint32_t i = 0; i < entries.Length(); ++i) options.entries.push_back(entryFrom(env, entries.Get(i)));
  return (new WriteJob(env, std::move(options)))->start();
}

}  // namespace mkb
