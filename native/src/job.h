// Promise-returning work on the libuv thread pool, shared by every binding.
#pragma once

#include <napi.h>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <utility>

namespace mkb {

// malloc'd bytes handed to JS without a copy; V8 is told about their size so
// that garbage collection keeps pace with them.
struct Bytes {
  uint8_t* data = nullptr;
  size_t size = 0;

  Bytes() = default;
  explicit Bytes(size_t n) : data(static_cast<uint8_t*>(std::malloc(n > 0 ? n : 1))), size(n) {
    if (data == nullptr) throw std::bad_alloc();
  }
  ~Bytes() { std::free(data); }
  Bytes(const Bytes&) = delete;
  Bytes& operator=(const Bytes&) = delete;
  Bytes(Bytes&& other) noexcept { *this = std::move(other); }
  Bytes& operator=(Bytes&& other) noexcept {
    std::swap(data, other.data);
    std::swap(size, other.size);
    return *this;
  }

  // Gives back the memory past the first `n` bytes (n <= size).
  void shrink(size_t n);

  // Hands the first `used` bytes to JS; the object is empty afterwards.
  Napi::Value toBuffer(Napi::Env env, size_t used);
  Napi::Value toBuffer(Napi::Env env) { return toBuffer(env, size); }
};

// A unit of work: run() on a pool thread, result() back on the JS thread. A
// Failure becomes a rejection whose `code` is the failure's code.
class Job : public Napi::AsyncWorker {
 public:
  explicit Job(Napi::Env env)
      : Napi::AsyncWorker(env, "mkbundle:native"), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise start() {
    Napi::Promise promise = deferred_.Promise();
    Queue();
    return promise;
  }

 protected:
  virtual void run() = 0;
  virtual Napi::Value result(Napi::Env env) = 0;

 private:
  void Execute() override;
  void OnOK() override { deferred_.Resolve(result(Env())); }
  void OnError(const Napi::Error& error) override;

  Napi::Promise::Deferred deferred_;
  std::string code_;
};

// An already-rejected promise with `code` set on its error.
Napi::Value rejected(Napi::Env env, const char* code, const std::string& message);

}  // namespace mkb
