#include "job.h"

#include <stdexcept>

#include "errors.h"

namespace mkb {

void Bytes::shrink(size_t n) {
  if (n >= size) return;
  // Shrinking cannot fail in glibc; the old block is kept if it ever does.
  if (auto* smaller = static_cast<uint8_t*>(std::realloc(data, n > 0 ? n : 1))) data = smaller;
  size = n;
}

Napi::Value Bytes::toBuffer(Napi::Env env, size_t used) {
  if (used == 0) {
    std::free(data);
    data = nullptr;
    size = 0;
    return Napi::Buffer<uint8_t>::New(env, 0);
  }
  const auto bytes = static_cast<int64_t>(size);
  auto buffer = Napi::Buffer<uint8_t>::New(env, data, used, [bytes](Napi::Env e, uint8_t* p) {
    std::free(p);
    Napi::MemoryManagement::AdjustExternalMemory(e, -bytes);
  });
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  data = nullptr;
  size = 0;
  return buffer;
}

void Job::Execute() {
  try {
    run();
  } catch (const Failure& failure) {
    code_ = failure.code();
    SetError(failure.what());
  } catch (const std::bad_alloc&) {
    code_ = "ENOMEM";
    SetError("out of memory");
  } catch (const std::exception& error) {
    code_ = "EINTERNAL";
    SetError(error.what());
  }
}

void Job::OnError(const Napi::Error& error) {
  Napi::Object value = error.Value();
  value.Set("code", code_);
  deferred_.Reject(value);
}

Napi::Value rejected(Napi::Env env, const char* code, const std::string& message) {
  auto deferred = Napi::Promise::Deferred::New(env);
  Napi::Object error = Napi::Error::New(env, message).Value();
  error.Set("code", code);
  deferred.Reject(error);
  return deferred.Promise();
}

}  // namespace mkb
