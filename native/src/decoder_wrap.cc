#include "decoder_wrap.h"

#include <memory>
#include <mutex>

#include "decoder.h"
#include "errors.h"
#include "job.h"

namespace mkb {
namespace {

constexpr napi_type_tag kDecoderTag = {0x6d6b62756e646c65ULL, 0x6465636f64657273ULL};

// The most output one call produces: what bounds memory however well the input compresses.
constexpr size_t kMaxOutput = 128 * 1024;

// The decoder's buffers (megabytes for xz) are invisible to V8's GC, so closing frees them at once;
// a step in progress keeps them until it returns.
struct DecoderState {
  std::mutex mu;
  std::unique_ptr<Decoder> decoder;
  bool busy = false;
  bool closed = false;
};
using StateRef = std::shared_ptr<DecoderState>;

class DecodeJob : public Job {
 public:
  DecodeJob(Napi::Env env, StateRef state, Napi::Buffer<uint8_t> input, bool finish)
      : Job(env),
        state_(std::move(state)),
        input_(Napi::Persistent(input)),
        data_(input.Data()),
        size_(input.Length()),
        finish_(finish) {}

 private:
  void run() override {
    struct Release {
      DecoderState& state;
      ~Release() {
        std::lock_guard<std::mutex> lock(state.mu);
        state.busy = false;
        if (state.closed) state.decoder.reset();
      }
    } release{*state_};
    output_ = Bytes(kMaxOutput);
    step_ = state_->decoder->step(data_, size_, output_.data, output_.size, finish_);
  }

  Napi::Value result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("output", output_.toBuffer(env, step_.produced));
    out.Set("consumed", static_cast<double>(step_.consumed));
    out.Set("done", step_.done);
    return out;
  }

  StateRef state_;
  // Keeps the input alive while a pool thread reads it.
  Napi::Reference<Napi::Buffer<uint8_t>> input_;
  const uint8_t* data_;
  size_t size_;
  bool finish_;
  Bytes output_;
  Step step_{};
};

}  // namespace

Napi::Value createDecoderJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "createDecoder(format)");
  auto state = std::make_shared<DecoderState>();
  try {
    state->decoder = makeDecoder(info[0].As<Napi::String>().Utf8Value());
  } catch (const std::exception& error) {
    throw Napi::Error::New(env, error.what());
  }
  if (!state->decoder) throw Napi::TypeError::New(env, "createDecoder: format must be 'xz' or 'zstd'");
  auto external =
      Napi::External<StateRef>::New(env, new StateRef(std::move(state)), [](Napi::Env, StateRef* ref) { delete ref; });
  external.TypeTag(&kDecoderTag);
  return external;
}

Napi::Value decodeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal() || !info[0].As<Napi::External<StateRef>>().CheckTypeTag(&kDecoderTag) ||
      !info[1].IsBuffer() || !info[2].IsBoolean()) {
    throw Napi::TypeError::New(env, "decode(handle, input, finish)");
  }
  const StateRef state = *info[0].As<Napi::External<StateRef>>().Data();
  {
    std::lock_guard<std::mutex> lock(state->mu);
    if (state->closed) return rejected(env, "ECLOSED", "decoder is closed");
    // A decoder's state moves with every step: overlapping calls would interleave two streams.
    if (state->busy) return rejected(env, "EBUSY", "decoder is busy with another call");
    state->busy = true;
  }
  return (new DecodeJob(env, state, info[1].As<Napi::Buffer<uint8_t>>(), info[2].As<Napi::Boolean>().Value()))->start();
}

Napi::Value closeDecoderJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal() || !info[0].As<Napi::External<StateRef>>().CheckTypeTag(&kDecoderTag)) {
    throw Napi::TypeError::New(env, "closeDecoder(handle)");
  }
  DecoderState& state = **info[0].As<Napi::External<StateRef>>().Data();
  std::lock_guard<std::mutex> lock(state.mu);
  state.closed = true;
  if (!state.busy) state.decoder.reset();
  return env.Undefined();
}

}  // namespace mkb
