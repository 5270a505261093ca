// Streaming xz and zstd decompression, one bounded step at a time, so that a
// caller can hand out each piece before asking for more.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace mkb {

struct Step {
  size_t consumed;  // input bytes used
  size_t produced;  // output bytes written
  bool done;        // the compressed data ended properly (only when finishing)
};

class Decoder {
 public:
  Decoder() { ++live; }
  virtual ~Decoder() { --live; }
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decoders alive right now (for leak tests).
  static std::atomic<long> live;

  // Decodes from `in` into `out` (at most `capacity` bytes). With `finish`
  // the input has ended: call again with no input until `done`, or until it
  // throws a Failure saying the data is truncated.
  virtual Step step(const uint8_t* in, size_t size, uint8_t* out, size_t capacity, bool finish) = 0;
};

// `format` is "xz" or "zstd"; null for anything else.
std::unique_ptr<Decoder> makeDecoder(const std::string& format);

}  // namespace mkb
