// Where a regular file's bytes live: full blocks, then an optional tail
// packed into a fragment block. Content is produced "piece" by piece: piece i
// < blocks is data block i, piece `blocks` (if any) is the fragment tail.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image.h"

namespace mkb {

struct FileLayout {
  uint64_t size = 0;
  uint64_t start = 0;
  const uint32_t* words = nullptr;
  size_t blocks = 0;
  uint32_t fragIndex = 0;
  uint32_t fragOffset = 0;
  size_t tail = 0;
  uint32_t blockSize = 0;

  size_t pieces() const { return blocks + (tail > 0 ? 1 : 0); }
  size_t pieceSize(size_t piece) const;
};

// The byte size recorded in a regular file inode.
uint64_t fileSize(const sqfs_inode_generic_t* inode);

// Validates a file inode; `inode` must outlive the layout.
FileLayout fileLayout(const sqfs_inode_generic_t* inode, uint32_t blockSize, const std::string& path);

// Image offset of every data block, plus the end of the last one.
std::vector<uint64_t> blockOffsets(const FileLayout& layout);

// Decodes one piece into `out` (pieceSize bytes); `offset` is the block's
// image offset, ignored for the tail.
void readPiece(Reader& reader, const FileLayout& layout, size_t piece, uint64_t offset, uint8_t* out,
               const std::string& path);

}  // namespace mkb
