#include "decoder.h"

#include <lzma.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <new>

#include "errors.h"

namespace mkb {

std::atomic<long> Decoder::live{0};

namespace {

// xz -9 needs 65 MiB to decode; far beyond that is a hostile header.
constexpr uint64_t kXzMemLimit = 256ULL << 20;

class XzDecoder : public Decoder {
 public:
  XzDecoder() {
    // Concatenated streams are decoded as one, like xz -d does.
    const lzma_ret rc = lzma_stream_decoder(&strm_, kXzMemLimit, LZMA_CONCATENATED);
    if (rc == LZMA_MEM_ERROR) throw std::bad_alloc();
    if (rc != LZMA_OK) throw Failure("EINTERNAL", "cannot start the xz decoder");
  }
  ~XzDecoder() override { lzma_end(&strm_); }

  Step step(const uint8_t* in, size_t size, uint8_t* out, size_t capacity, bool finish) override {
    strm_.next_in = in;
    strm_.avail_in = size;
    strm_.next_out = out;
    strm_.avail_out = capacity;
    const lzma_ret rc = lzma_code(&strm_, finish ? LZMA_FINISH : LZMA_RUN);
    const Step result{size - strm_.avail_in, capacity - strm_.avail_out, rc == LZMA_STREAM_END};
    switch (rc) {
      case LZMA_OK:
      case LZMA_STREAM_END:
        return result;
      case LZMA_BUF_ERROR:
        // No progress was possible: at the end of the input, that is a cut stream.
        if (strm_.total_in == 0) throw Failure("ETRUNCATED", "no xz data (empty input)");
        throw Failure("ETRUNCATED", "truncated xz data");
      case LZMA_MEM_ERROR:
        throw std::bad_alloc();
      case LZMA_MEMLIMIT_ERROR:
        throw Failure("EMEMLIMIT", "xz data needs more than " + std::to_string(kXzMemLimit >> 20) + " MiB to decode");
      case LZMA_FORMAT_ERROR:
        throw Failure("EFORMAT", "not xz data");
      case LZMA_OPTIONS_ERROR:
        throw Failure("EUNSUPPORTED", "xz data uses unsupported options");
      case LZMA_DATA_ERROR:
        throw Failure("ECORRUPT", "corrupt xz data");
      default:
        throw Failure("ECORRUPT", "corrupt xz data (liblzma error " + std::to_string(static_cast<int>(rc)) + ")");
    }
  }

 private:
  lzma_stream strm_ = LZMA_STREAM_INIT;
};

class ZstdDecoder : public Decoder {
 public:
  ZstdDecoder() : ds_(ZSTD_createDStream()) {
    if (ds_ == nullptr) throw std::bad_alloc();
  }
  ~ZstdDecoder() override { ZSTD_freeDStream(ds_); }

  Step step(const uint8_t* in, size_t size, uint8_t* out, size_t capacity, bool finish) override {
    ZSTD_inBuffer input{in, size, 0};
    ZSTD_outBuffer output{out, capacity, 0};
    const size_t rc = ZSTD_decompressStream(ds_, &output, &input);
    if (ZSTD_isError(rc)) {
      if (ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation) throw std::bad_alloc();
      if (!started_ && ZSTD_getErrorCode(rc) == ZSTD_error_prefix_unknown) throw Failure("EFORMAT", "not zstd data");
      throw Failure("ECORRUPT", std::string("corrupt zstd data (") + ZSTD_getErrorName(rc) + ")");
    }
    // A call with nothing to do reports the next frame's header size, not where the last one stands.
    if (input.pos > 0 || output.pos > 0) atFrameEnd_ = rc == 0;
    if (input.pos > 0) started_ = true;
    const Step result{input.pos, output.pos, false};
    if (!finish || output.pos > 0) return result;
    if (!started_) throw Failure("ETRUNCATED", "no zstd data (empty input)");
    if (!atFrameEnd_) throw Failure("ETRUNCATED", "truncated zstd data");
    return {input.pos, 0, true};
  }

 private:
  ZSTD_DStream* ds_;
  bool started_ = false;
  bool atFrameEnd_ = false;
};

}  // namespace

std::unique_ptr<Decoder> makeDecoder(const std::string& format) {
  if (format == "xz") return std::make_unique<XzDecoder>();
  if (format == "zstd") return std::make_unique<ZstdDecoder>();
  return nullptr;
}

}  // namespace mkb
