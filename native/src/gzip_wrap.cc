#include "gzip_wrap.h"

#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>

#include "errors.h"
#include "gzip.h"
#include "job.h"

namespace mkb {

std::atomic<long> liveGzipInputs{0};

namespace {

constexpr napi_type_tag kGzipInputTag = {0x6d6b62756e646c65ULL, 0x677a6970696e7075ULL};

// Bytes gathered from chunks into one block, which libdeflate needs, and then
// the member made of them, until it is written. Growth by doubling is cheap:
// glibc moves large blocks with mremap, and pages not yet written are not
// resident.
struct GzipInput {
  std::mutex mu;
  uint8_t* data = nullptr;
  size_t size = 0;
  size_t capacity = 0;
  // Made by smallestGzipInput: the gathered bytes are freed then, the member kept until closed.
  Bytes member;
  bool made = false;
  // Counted in liveGzipInputs while it holds memory.
  bool live = false;
  bool busy = false;
  bool closed = false;

  GzipInput() = default;
  ~GzipInput() { release(); }
  GzipInput(const GzipInput&) = delete;
  GzipInput& operator=(const GzipInput&) = delete;

  void freeInput() {
    std::free(data);
    data = nullptr;
    size = capacity = 0;
  }
  void release() {
    freeInput();
    member = Bytes();
    if (live) --liveGzipInputs;
    live = false;
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

// Marks the input busy for a compression; the code of the refusal otherwise.
const char* claim(GzipInput& input) {
  std::lock_guard<std::mutex> lock(input.mu);
  if (input.closed || input.made) return "ECLOSED";
  if (input.busy) return "EBUSY";
  input.busy = true;
  return nullptr;
}

std::string refusal(const char* code) {
  return std::strcmp(code, "EBUSY") == 0 ? "gzip input is already being compressed" : "gzip input is closed";
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

// Frees a gathered input when its compression ends, however it ends.
struct Release {
  GzipInput& input;
  ~Release() {
    std::lock_guard<std::mutex> lock(input.mu);
    input.busy = false;
    input.closed = true;
    input.release();
  }
};

class GzipInputJob : public Job {
 public:
  GzipInputJob(Napi::Env env, InputRef input, int level) : Job(env), input_(std::move(input)), level_(level) {}

 private:
  void run() override {
    Release release{*input_};
    output_ = gzipMember(input_->data, input_->size, level_);
  }
  Napi::Value result(Napi::Env env) override { return output_.toBuffer(env); }

  InputRef input_;
  int level_;
  Bytes output_;
};

// libdeflate's member, or zlib's when libdeflate's is not smaller: zlib's size
// is counted first without keeping its bytes, which are made only when needed.
// The member stays with the input, for writeGzipMember; the gathered bytes go.
class SmallestJob : public Job {
 public:
  SmallestJob(Napi::Env env, InputRef input, int level, int zlibLevel)
      : Job(env), input_(std::move(input)), level_(level), zlibLevel_(zlibLevel) {}

 private:
  void run() override {
    struct Done {
      GzipInput& input;
      Bytes& member;
      ~Done() {
        std::lock_guard<std::mutex> lock(input.mu);
        input.busy = false;
        input.freeInput();
        input.member = std::move(member);
        input.made = input.member.data != nullptr;
        if (input.closed) input.release();
      }
    } done{*input_, member_};
    zlibSize_ = zlibMemberSize(input_->data, input_->size, zlibLevel_);
    member_ = gzipMember(input_->data, input_->size, level_);
    libdeflateSize_ = member_.size;
    if (libdeflateSize_ < zlibSize_) return;
    member_ = Bytes();
    member_ = zlibMember(input_->data, input_->size, zlibLevel_);
    byZlib_ = true;
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("by", byZlib_ ? "zlib" : "libdeflate");
    out.Set("size", static_cast<double>(byZlib_ ? zlibSize_ : libdeflateSize_));
    out.Set("libdeflateSize", static_cast<double>(libdeflateSize_));
    out.Set("zlibSize", static_cast<double>(zlibSize_));
    return out;
  }

  InputRef input_;
  int level_;
  int zlibLevel_;
  Bytes member_;
  size_t libdeflateSize_ = 0;
  size_t zlibSize_ = 0;
  bool byZlib_ = false;
};

// Writes the member at `position` of `fd` (pwrite, so the file's offset is left alone).
class WriteMemberJob : public Job {
 public:
  WriteMemberJob(Napi::Env env, InputRef input, int fd, off_t position)
      : Job(env), input_(std::move(input)), fd_(fd), position_(position) {}

 private:
  void run() override {
    struct Done {
      GzipInput& input;
      ~Done() {
        std::lock_guard<std::mutex> lock(input.mu);
        input.busy = false;
        if (input.closed) input.release();
      }
    } done{*input_};
    const uint8_t* at = input_->member.data;
    size_t left = written_ = input_->member.size;
    off_t position = position_;
    while (left > 0) {
      const ssize_t n = ::pwrite(fd_, at, left, position);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        // As Node words its own errors ("ENOSPC: no space left on device"), for errorText.
        const int err = -errno;
        throw Failure(uv_err_name(err), std::string(uv_err_name(err)) + ": " + uv_strerror(err));
      }
      at += n;
      left -= static_cast<size_t>(n);
      position += n;
    }
  }
  Napi::Value result(Napi::Env env) override { return Napi::Number::New(env, static_cast<double>(written_)); }

  InputRef input_;
  int fd_;
  off_t position_;
  size_t written_ = 0;
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
  if (input->closed || input->made) throwCoded(env, "ECLOSED", "gzip input is closed");
  if (input->busy) throwCoded(env, "EBUSY", "gzip input is being compressed");
  if (chunk.Length() > input->capacity - input->size) {
    size_t capacity = input->capacity > 0 ? input->capacity : 1 << 20;
    while (capacity - input->size < chunk.Length()) {
      if (capacity > SIZE_MAX / 2) throwCoded(env, "ENOMEM", "gzip input is too large");
      capacity *= 2;
    }
    auto* grown = static_cast<uint8_t*>(std::realloc(input->data, capacity));
    if (grown == nullptr) throwCoded(env, "ENOMEM", "out of memory");
    if (!input->live) ++liveGzipInputs;
    input->live = true;
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
  if (const char* refused = claim(*input)) return rejected(env, refused, refusal(refused));
  return (new GzipInputJob(env, input, level))->start();
}

Napi::Value smallestGzipInputJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  constexpr const char* usage = "smallestGzipInput(handle, level: number, zlibLevel: number)";
  const InputRef input = inputArg(env, info[0], usage);
  const int level = levelArg(env, info[1], usage);
  const int zlibLevel = levelArg(env, info[2], usage);
  if (zlibLevel < 1 || zlibLevel > 9) throw Napi::RangeError::New(env, "zlib level must be a whole number in 1..9");
  if (const char* refused = claim(*input)) return rejected(env, refused, refusal(refused));
  return (new SmallestJob(env, input, level, zlibLevel))->start();
}

Napi::Value writeGzipMemberJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  constexpr const char* usage = "writeGzipMember(handle, fd: number, position: number)";
  const InputRef input = inputArg(env, info[0], usage);
  if (!info[1].IsNumber() || !info[2].IsNumber()) throw Napi::TypeError::New(env, usage);
  const int fd = info[1].As<Napi::Number>().Int32Value();
  const double position = info[2].As<Napi::Number>().DoubleValue();
  constexpr double kMaxSafe = 9007199254740991.0;
  const bool whole =
      position >= 0 && position <= kMaxSafe && position == static_cast<double>(static_cast<int64_t>(position));
  if (fd < 0 || !whole) throw Napi::RangeError::New(env, "fd and position must be whole numbers >= 0");
  {
    std::lock_guard<std::mutex> lock(input->mu);
    if (input->closed) return rejected(env, "ECLOSED", "gzip input is closed");
    if (input->busy) return rejected(env, "EBUSY", "gzip member is being made or written");
    if (!input->made) return rejected(env, "ENOMEMBER", "no gzip member made yet");
    input->busy = true;
  }
  return (new WriteMemberJob(env, input, fd, static_cast<off_t>(position)))->start();
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
