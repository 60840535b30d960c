#pragma once
// Internal to the image code (render.cpp, decode.cpp): libjpeg's error manager with the jump buffer its error exit
// longjmps to. libjpeg reads `base` through the pointer it was given, so `base` comes first.

#include <csetjmp>
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>

namespace nanosim::images::detail {

struct JpegErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
};

}  // namespace nanosim::images::detail
