// Extraction of an image (or selected paths of it) into a directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "image.h"

namespace mkb {

struct ExtractOptions {
  std::string dest;
  bool all = true;
  std::vector<std::string> paths;  // normalised; used when !all
  bool allowDevices = false;
  unsigned threads = 0;  // 0: pick from the core count
};

struct ExtractStats {
  uint64_t files = 0;
  uint64_t dirs = 0;
  uint64_t symlinks = 0;
  uint64_t hardlinks = 0;
  uint64_t devices = 0;
  uint64_t bytes = 0;
};

ExtractStats extract(const std::shared_ptr<const Image>& image, const ExtractOptions& options);

}  // namespace mkb
