{
  "targets": [
    {
      "target_name": "squashfs",
      "sources": [
        "src/addon.cc",
        "src/decoder.cc",
        "src/decoder_wrap.cc",
        "src/errors.cc",
        "src/extract.cc",
        "src/file_data.cc",
        "src/gzip.cc",
        "src/gzip_wrap.cc",
        "src/image.cc",
        "src/image_wrap.cc",
        "src/job.cc",
        "src/pread_file.cc",
        "src/safe_fs.cc",
        "src/tree.cc",
        "src/write_wrap.cc",
        "src/writer.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-pedantic", "<!@(pkg-config --cflags libsquashfs1 liblzma libzstd libdeflate zlib)"],
      "ldflags": ["-pthread"],
      "libraries": ["<!@(pkg-config --libs libsquashfs1 liblzma libzstd libdeflate zlib)"]
    }
  ]
}
