#include "gzip_wrap.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>

#include "errors.h"
#include "gzip.h"
#include "job.h"

namespace mkb {

std::atomic<long> liveGzipInputs{0};

namespace {

constexpr napi_type_tag kGzipInputTag = {0x6d6b62756e646c65ULL, 0x677a6970696e7075ULL};

// Bytes gathered from chunks into one block, which libdeflate needs. Growth by
// doubling is cheap: glibc moves large blocks with mremap, and pages not yet
// written are not resident.
struct GzipInput {
  std::mutex mu;
  uint8_t* data = nullptr;
  size_t size = 0;
  size_t capacity = 0;
  bool busy = false;
  bool closed = false;

  GzipInput() = default;
  ~GzipInput() { release(); }
  GzipInput(const GzipInput&) = delete;
  GzipInput& operator=(const GzipInput&) = delete;

  void release() {
    if (capacity == 0) return;
    std::free(data);
    data = nullptr;
    size = capacity = 0;
    --liveGzipInputs;
  }
};
using InputRef = std::shared_ptr<GzipInput>;

[[noreturn]] void throwCoded(Napi::Env env, const char* code, const char* message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", code);
  throw error;
}

int levelArg(Napi::Env env, const Napi::Value& value, const char* usage) {
  if (!value.IsNumber()) throw Napi::TypeError::New(env, usage);
  const double level = value.As<Napi::Number>().DoubleValue();
  if (!(level >= kMinGzipLevel && level <= kMaxGzipLevel) || level != static_cast<double>(static_cast<int>(level))) {
    throw Napi::RangeError::New(env, "gzip level must be a whole number in 0..12");
  }
  return static_cast<int>(level);
}

InputRef inputArg(Napi::Env env, const Napi::Value& value, const char* usage) {
  if (!value.IsExternal() || !value.As<Napi::External<InputRef>>().CheckTypeTag(&kGzipInputTag)) {
    throw Napi::TypeError::New(env, usage);
  }
  return *value.As<Napi::External<InputRef>>().Data();
}

class GzipBufferJob : public Job {
 public:
  GzipBufferJob(Napi::Env env, Napi::Buffer<uint8_t> input, int level)
      : Job(env), input_(Napi::Persistent(input)), data_(input.Data()), size_(input.Length()), level_(level) {}

 private:
  void run() override { output_ = gzipMember(data_, size_, level_); }
  Napi::Value result(Napi::Env env) override { return output_.toBuffer(env); }

  // Keeps the input alive while a pool thread reads it.
  Napi::Reference<Napi::Buffer<uint8_t>> input_;
  const uint8_t* data_;
  size_t size_;
  int level_;
  Bytes output_;
};

class GzipInputJob : public Job {
 public:
  GzipInputJob(Napi::Env env, InputRef input, int level) : Job(env), input_(std::move(input)), level_(level) {}

 private:
  void run() override {
    struct Release {
      GzipInput& input;
      ~Release() {
        std::lock_guard<std::mutex> lock(input.mu);
        input.busy = false;
        input.closed = true;
        input.release();
      }
    } release{*input_};
    output_ = gzipMember(input_->data, input_->size, level_);
  }
  Napi::Value result(Napi::Env env) override { return output_.toBuffer(env); }

  InputRef input_;
  int level_;
  Bytes output_;
};

}  // namespace

Napi::Value gzipJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  constexpr const char* usage = "gzip(input: Buffer, level: number)";
  if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, usage);
  const int level = levelArg(env, info[1], usage);
  return (new GzipBufferJob(env, info[0].As<Napi::Buffer<uint8_t>>(), level))->start();
}

Napi::Value createGzipInputJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto external = Napi::External<InputRef>::New(env, new InputRef(std::make_shared<GzipInput>()),
                                                [](Napi::Env, InputRef* ref) { delete ref; });
  external.TypeTag(&kGzipInputTag);
  return external;
}

Napi::Value appendGzipInputJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  constexpr const char* usage = "appendGzipInput(handle, chunk: Buffer)";
  const InputRef input = inputArg(env, info[0], usage);
  if (!info[1].IsBuffer()) throw Napi::TypeError::New(env, usage);
  const auto chunk = info[1].As<Napi::Buffer<uint8_t>>();
  std::lock_guard<std::mutex> lock(input->mu);
  if (input->closed) throwCoded(env, "ECLOSED", "gzip input is closed");
  if (input->busy) throwCoded(env, "EBUSY", "gzip input is being compressed");
  if (chunk.Length() > input->capacity - input->size) {
    size_t capacity = input->capacity > 0 ? input->capacity : 1 << 20;
    while (capacity - input->size < chunk.Length()) {
      if (capacity > SIZE_MAX / 2) throwCoded(env, "ENOMEM", "gzip input is too large");
      capacity *= 2;
    }
    auto* grown = static_cast<uint8_t*>(std::realloc(input->data, capacity));
    if (grown == nullptr) throwCoded(env, "ENOMEM", "out of memory");
    if (input->capacity == 0) ++liveGzipInputs;
    input->data = grown;
    input->capacity = capacity;
  }
  if (chunk.Length() > 0) std::memcpy(input->data + input->size, chunk.Data(), chunk.Length());
  input->size += chunk.Length();
  return Napi::Number::New(env, static_cast<double>(input->size));
}

Napi::Value gzipInputJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  constexpr const char* usage = "gzipInput(handle, level: number)";
  const InputRef input = inputArg(env, info[0], usage);
  const int level = levelArg(env, info[1], usage);
  {
    std::lock_guard<std::mutex> lock(input->mu);
    if (input->closed) return rejected(env, "ECLOSED", "gzip input is closed");
    if (input->busy) return rejected(env, "EBUSY", "gzip input is already being compressed");
    input->busy = true;
  }
  return (new GzipInputJob(env, input, level))->start();
}

Napi::Value closeGzipInputJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const InputRef input = inputArg(env, info[0], "closeGzipInput(handle)");
  std::lock_guard<std::mutex> lock(input->mu);
  input->closed = true;
  if (!input->busy) input->release();
  return env.Undefined();
}

}  // namespace mkb
