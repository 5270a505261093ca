#include "image_wrap.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "errors.h"
#include "extract.h"
#include "file_data.h"
#include "job.h"
#include "tree.h"

namespace mkb {
namespace {

struct AddonData {
  Napi::FunctionReference imageClass;
};

// Mark the externals made here, so that a stray value is never cast to one.
constexpr napi_type_tag kFileTag = {0x6d6b62756e646c65ULL, 0x7371667366696c65ULL};
constexpr napi_type_tag kImageTag = {0x6d6b62756e646c65ULL, 0x73716673696d6167ULL};

// A regular file opened for streaming: its inode and where each block lives.
struct FileHandle {
  InodeRef inode;
  FileLayout layout;
  std::vector<uint64_t> offsets;
  std::string path;
};
using HandleRef = std::shared_ptr<const FileHandle>;

Napi::Object entryObject(Napi::Env env, const EntryInfo& info) {
  Napi::Object entry = Napi::Object::New(env);
  entry.Set("path", info.path);
  entry.Set("kind", kindName(info.kind));
  entry.Set("mode", info.mode);
  entry.Set("uid", info.uid);
  entry.Set("gid", info.gid);
  entry.Set("mtime", info.mtime);
  entry.Set("size", static_cast<double>(info.size));
  entry.Set("inode", info.inode);
  entry.Set("nlink", info.nlink);
  if (info.kind == Kind::Symlink) entry.Set("target", info.target);
  if (info.kind == Kind::CharDev || info.kind == Kind::BlockDev) {
    Napi::Object rdev = Napi::Object::New(env);
    rdev.Set("major", info.major);
    rdev.Set("minor", info.minor);
    entry.Set("rdev", rdev);
  }
  return entry;
}

class OpenJob : public Job {
 public:
  OpenJob(Napi::Env env, std::string path) : Job(env), path_(std::move(path)) {}

 private:
  void run() override { image_ = Image::open(path_); }
  Napi::Value result(Napi::Env env) override { return ImageWrap::create(env, std::move(image_)); }

  std::string path_;
  std::shared_ptr<const Image> image_;
};

class ListJob : public Job {
 public:
  ListJob(Napi::Env env, std::shared_ptr<const Image> image, std::string dir, bool recursive)
      : Job(env), image_(std::move(image)), dir_(std::move(dir)), recursive_(recursive) {}

 private:
  void run() override {
    Lease lease(image_);
    walk(*lease, dir_, resolve(*lease, dir_), recursive_ ? INT32_MAX : 1,
         [this](const std::string& path, InodeRef inode, int) { entries_.push_back(describe(*image_, path, inode.get())); });
    // Plain byte order of the full path: parents still precede children.
    std::sort(entries_.begin(), entries_.end(), [](const EntryInfo& a, const EntryInfo& b) { return a.path < b.path; });
  }

  Napi::Value result(Napi::Env env) override {
    Napi::Array out = Napi::Array::New(env, entries_.size());
    for (size_t i = 0; i < entries_.size(); ++i) out.Set(static_cast<uint32_t>(i), entryObject(env, entries_[i]));
    return out;
  }

  std::shared_ptr<const Image> image_;
  std::string dir_;
  bool recursive_;
  std::vector<EntryInfo> entries_;
};

class StatJob : public Job {
 public:
  StatJob(Napi::Env env, std::shared_ptr<const Image> image, std::string path)
      : Job(env), image_(std::move(image)), path_(std::move(path)) {}

 private:
  void run() override {
    Lease lease(image_);
    const InodeRef inode = resolve(*lease, path_);
    info_ = describe(*image_, path_, inode.get());
  }
  Napi::Value result(Napi::Env env) override { return entryObject(env, info_); }

  std::shared_ptr<const Image> image_;
  std::string path_;
  EntryInfo info_{};
};

// Resolves `path` to a regular file, with a message saying what it is if not.
InodeRef resolveFile(Reader& reader, const std::string& path) {
  InodeRef inode = resolve(reader, path);
  const Kind kind = inodeKind(inode.get(), path);
  if (kind == Kind::Dir) throw Failure("EISDIR", showPath(path) + ": is a directory, not a regular file");
  if (kind != Kind::File) {
    throw Failure("EINVAL", showPath(path) + ": is a " + std::string(kindName(kind)) + ", not a regular file");
  }
  return inode;
}

class ReadFileJob : public Job {
 public:
  ReadFileJob(Napi::Env env, std::shared_ptr<const Image> image, std::string path)
      : Job(env), image_(std::move(image)), path_(std::move(path)) {}

 private:
  void run() override {
    Lease lease(image_);
    const InodeRef inode = resolveFile(*lease, path_);
    const FileLayout layout = fileLayout(inode.get(), image_->super().block_size, path_);
    if (layout.size > static_cast<uint64_t>(INT32_MAX)) {
      throw Failure("EFBIG", showPath(path_) + ": too large to read into memory; use createReadStream");
    }
    bytes_ = Bytes(static_cast<size_t>(layout.size));
    uint8_t* out = bytes_.data;
    uint64_t offset = layout.start;
    for (size_t piece = 0; piece < layout.pieces(); ++piece) {
      readPiece(*lease, layout, piece, offset, out, path_);
      out += layout.pieceSize(piece);
      if (piece < layout.blocks) offset += SQFS_ON_DISK_BLOCK_SIZE(layout.words[piece]);
    }
  }
  Napi::Value result(Napi::Env env) override { return bytes_.toBuffer(env); }

  std::shared_ptr<const Image> image_;
  std::string path_;
  Bytes bytes_;
};

class OpenFileJob : public Job {
 public:
  OpenFileJob(Napi::Env env, std::shared_ptr<const Image> image, std::string path)
      : Job(env), image_(std::move(image)), path_(std::move(path)) {}

 private:
  void run() override {
    Lease lease(image_);
    auto handle = std::make_shared<FileHandle>();
    handle->inode = resolveFile(*lease, path_);
    handle->layout = fileLayout(handle->inode.get(), image_->super().block_size, path_);
    handle->offsets = blockOffsets(handle->layout);
    handle->path = path_;
    handle_ = std::move(handle);
  }

  Napi::Value result(Napi::Env env) override {
    auto external = Napi::External<HandleRef>::New(env, new HandleRef(handle_),
                                                    [](Napi::Env, HandleRef* ref) { delete ref; });
    external.TypeTag(&kFileTag);
    Napi::Object out = Napi::Object::New(env);
    out.Set("size", static_cast<double>(handle_->layout.size));
    out.Set("pieces", static_cast<double>(handle_->layout.pieces()));
    out.Set("blockSize", handle_->layout.blockSize);
    out.Set("handle", external);
    return out;
  }

  std::shared_ptr<const Image> image_;
  std::string path_;
  HandleRef handle_;
};

class ReadPiecesJob : public Job {
 public:
  ReadPiecesJob(Napi::Env env, std::shared_ptr<const Image> image, HandleRef handle, size_t first, size_t count)
      : Job(env), image_(std::move(image)), handle_(std::move(handle)), first_(first), count_(count) {}

 private:
  void run() override {
    const FileLayout& layout = handle_->layout;
    const size_t end = std::min(layout.pieces(), first_ + std::min(count_, layout.pieces()));
    size_t total = 0;
    for (size_t piece = first_; piece < end; ++piece) total += layout.pieceSize(piece);
    bytes_ = Bytes(total);
    Lease lease(image_);
    uint8_t* out = bytes_.data;
    for (size_t piece = first_; piece < end; ++piece) {
      const uint64_t offset = piece < layout.blocks ? handle_->offsets[piece] : 0;
      readPiece(*lease, layout, piece, offset, out, handle_->path);
      out += layout.pieceSize(piece);
    }
  }
  Napi::Value result(Napi::Env env) override { return bytes_.toBuffer(env); }

  std::shared_ptr<const Image> image_;
  HandleRef handle_;
  size_t first_;
  size_t count_;
  Bytes bytes_;
};

class ExtractJob : public Job {
 public:
  ExtractJob(Napi::Env env, std::shared_ptr<const Image> image, ExtractOptions options)
      : Job(env), image_(std::move(image)), options_(std::move(options)) {}

 private:
  void run() override { stats_ = mkb::extract(image_, options_); }

  Napi::Value result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("files", static_cast<double>(stats_.files));
    out.Set("dirs", static_cast<double>(stats_.dirs));
    out.Set("symlinks", static_cast<double>(stats_.symlinks));
    out.Set("hardlinks", static_cast<double>(stats_.hardlinks));
    out.Set("devices", static_cast<double>(stats_.devices));
    out.Set("bytes", static_cast<double>(stats_.bytes));
    return out;
  }

  std::shared_ptr<const Image> image_;
  ExtractOptions options_;
  ExtractStats stats_;
};

std::string stringArg(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsString()) throw Napi::TypeError::New(info.Env(), "expected a string argument");
  return info[index].As<Napi::String>().Utf8Value();
}

}  // namespace

Napi::Function ImageWrap::define(Napi::Env env) {
  Napi::Function cls = DefineClass(env, "NativeImage",
                                   {
                                       InstanceMethod<&ImageWrap::superblock>("superblock"),
                                       InstanceMethod<&ImageWrap::list>("list"),
                                       InstanceMethod<&ImageWrap::stat>("stat"),
                                       InstanceMethod<&ImageWrap::readFile>("readFile"),
                                       InstanceMethod<&ImageWrap::openFile>("openFile"),
                                       InstanceMethod<&ImageWrap::readPieces>("readPieces"),
                                       InstanceMethod<&ImageWrap::extract>("extract"),
                                       InstanceMethod<&ImageWrap::close>("close"),
                                   });
  auto* data = new AddonData{Napi::Persistent(cls)};
  env.SetInstanceData<AddonData>(data);
  return cls;
}

Napi::Object ImageWrap::create(Napi::Env env, std::shared_ptr<const Image> image) {
  using Holder = std::shared_ptr<const Image>;
  auto holder = Napi::External<Holder>::New(env, new Holder(std::move(image)), [](Napi::Env, Holder* h) { delete h; });
  holder.TypeTag(&kImageTag);
  return env.GetInstanceData<AddonData>()->imageClass.New({holder});
}

ImageWrap::ImageWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ImageWrap>(info) {
  using Holder = std::shared_ptr<const Image>;
  if (info.Length() != 1 || !info[0].IsExternal() || !info[0].As<Napi::External<Holder>>().CheckTypeTag(&kImageTag)) {
    throw Napi::TypeError::New(info.Env(), "NativeImage is created by open()");
  }
  // Move out, so the holder (freed whenever GC gets to it) keeps nothing open.
  image_ = std::move(*info[0].As<Napi::External<Holder>>().Data());
}

Napi::Value ImageWrap::superblock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!image_) throw Napi::Error::New(env, "image is closed");
  const sqfs_super_t& sb = image_->super();
  Napi::Object out = Napi::Object::New(env);
  out.Set("compressor", image_->compressorName());
  out.Set("blockSize", sb.block_size);
  out.Set("inodeCount", sb.inode_count);
  out.Set("mtime", sb.modification_time);
  out.Set("bytesUsed", static_cast<double>(sb.bytes_used));
  out.Set("fragmentCount", sb.fragment_entry_count);
  return out;
}

Napi::Value ImageWrap::list(const Napi::CallbackInfo& info) {
  if (!image_) return rejected(info.Env(), "ECLOSED", "image is closed");
  return (new ListJob(info.Env(), image_, stringArg(info, 0), info[1].ToBoolean()))->start();
}

Napi::Value ImageWrap::stat(const Napi::CallbackInfo& info) {
  if (!image_) return rejected(info.Env(), "ECLOSED", "image is closed");
  return (new StatJob(info.Env(), image_, stringArg(info, 0)))->start();
}

Napi::Value ImageWrap::readFile(const Napi::CallbackInfo& info) {
  if (!image_) return rejected(info.Env(), "ECLOSED", "image is closed");
  return (new ReadFileJob(info.Env(), image_, stringArg(info, 0)))->start();
}

Napi::Value ImageWrap::openFile(const Napi::CallbackInfo& info) {
  if (!image_) return rejected(info.Env(), "ECLOSED", "image is closed");
  return (new OpenFileJob(info.Env(), image_, stringArg(info, 0)))->start();
}

Napi::Value ImageWrap::readPieces(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!image_) return rejected(env, "ECLOSED", "image is closed");
  if (!info[0].IsExternal() || !info[0].As<Napi::External<HandleRef>>().CheckTypeTag(&kFileTag) ||
      !info[1].IsNumber() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "readPieces(handle, first, count)");
  }
  const double first = info[1].As<Napi::Number>().DoubleValue();
  const double count = info[2].As<Napi::Number>().DoubleValue();
  if (!(first >= 0) || !(count >= 1)) throw Napi::RangeError::New(env, "readPieces: bad range");
  const HandleRef handle = *info[0].As<Napi::External<HandleRef>>().Data();
  return (new ReadPiecesJob(env, image_, handle, static_cast<size_t>(first), static_cast<size_t>(count)))->start();
}

Napi::Value ImageWrap::extract(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!image_) return rejected(env, "ECLOSED", "image is closed");
  ExtractOptions options;
  options.dest = stringArg(info, 0);
  if (info[1].IsArray()) {
    options.all = false;
    const Napi::Array paths = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < paths.Length(); ++i) {
      const Napi::Value path = paths.Get(i);
      if (!path.IsString()) throw Napi::TypeError::New(env, "extract: paths must be strings");
      options.paths.push_back(path.As<Napi::String>().Utf8Value());
    }
  }
  options.allowDevices = info[2].ToBoolean();
  if (info[3].IsNumber()) options.threads = info[3].As<Napi::Number>().Uint32Value();
  return (new ExtractJob(env, image_, std::move(options)))->start();
}

Napi::Value ImageWrap::close(const Napi::CallbackInfo& info) {
  image_.reset();
  return info.Env().Undefined();
}

Napi::Value openImage(const Napi::CallbackInfo& info) {
  return (new OpenJob(info.Env(), stringArg(info, 0)))->start();
}

}  // namespace mkb
