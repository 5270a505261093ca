#include "file_data.h"

#include <sqfs/block.h>

#include <cstring>

#include "errors.h"

namespace mkb {

size_t FileLayout::pieceSize(size_t piece) const {
  if (piece == blocks) return tail;
  const uint64_t done = static_cast<uint64_t>(piece) * blockSize;
  return static_cast<size_t>(size - done < blockSize ? size - done : blockSize);
}

uint64_t fileSize(const sqfs_inode_generic_t* inode) {
  return inode->base.type == SQFS_INODE_EXT_FILE ? inode->data.file_ext.file_size : inode->data.file.file_size;
}

FileLayout fileLayout(const sqfs_inode_generic_t* inode, uint32_t blockSize, const std::string& path) {
  FileLayout layout;
  layout.blockSize = blockSize;
  if (inode->base.type == SQFS_INODE_FILE) {
    layout.size = inode->data.file.file_size;
    layout.start = inode->data.file.blocks_start;
    layout.fragIndex = inode->data.file.fragment_index;
    layout.fragOffset = inode->data.file.fragment_offset;
  } else if (inode->base.type == SQFS_INODE_EXT_FILE) {
    layout.size = inode->data.file_ext.file_size;
    layout.start = inode->data.file_ext.blocks_start;
    layout.fragIndex = inode->data.file_ext.fragment_idx;
    layout.fragOffset = inode->data.file_ext.fragment_offset;
  } else {
    throw Failure("EINVAL", showPath(path) + ": not a regular file");
  }
  layout.words = inode->extra;
  layout.blocks = inode->payload_bytes_used / sizeof(uint32_t);
  const uint64_t covered = static_cast<uint64_t>(layout.blocks) * blockSize;
  if (covered >= layout.size) {
    // Every block but the last must be full.
    if (layout.blocks > 0 && covered - layout.size >= blockSize) throwCorruptAt(path, "block list longer than file");
    return layout;
  }
  layout.tail = static_cast<size_t>(layout.size - covered);
  if (layout.tail >= blockSize || layout.fragIndex == 0xFFFFFFFFu) {
    throwCorruptAt(path, "block list shorter than file");
  }
  return layout;
}

std::vector<uint64_t> blockOffsets(const FileLayout& layout) {
  std::vector<uint64_t> offsets(layout.blocks + 1);
  offsets[0] = layout.start;
  for (size_t i = 0; i < layout.blocks; ++i) offsets[i + 1] = offsets[i] + SQFS_ON_DISK_BLOCK_SIZE(layout.words[i]);
  return offsets;
}

void readPiece(Reader& reader, const FileLayout& layout, size_t piece, uint64_t offset, uint8_t* out,
               const std::string& path) {
  const size_t size = layout.pieceSize(piece);
  if (piece < layout.blocks) {
    reader.readBlock(offset, layout.words[piece], size, out, path);
  } else {
    std::memcpy(out, reader.fragment(layout.fragIndex, layout.fragOffset, size, path), size);
  }
}

}  // namespace mkb
