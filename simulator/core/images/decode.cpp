// Decoding and probing untrusted bytes. Nothing here may crash, abort, print or leak on any input: every failure of
// a codec becomes nullopt.
//
// libpng and libjpeg report errors by longjmp. As in render.cpp, each decoder keeps all its state in a
// caller-owned struct whose destructor releases it, and calls the codec from a small function holding the setjmp and
// only trivial locals, so a longjmp skips no destructor and leaves no local value indeterminate.

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <webp/decode.h>

#include "jpeg_error.hpp"
#include "nanosim/images.hpp"

namespace nanosim::images {
namespace {

// Progressive JPEGs keep every coefficient in memory until the last scan; libjpeg fails cleanly past this budget
// (jmemnobs has no backing store). 768 MiB covers a progressive 16383 x 16383 greyscale or ~11000 x 11000 colour.
constexpr long kJpegMemoryLimit = 768L << 20;
// A progressive JPEG with thousands of tiny scans is a known CPU exhaustion (libjpeg-turbo's tjbench -maxscans).
constexpr int kJpegMaxScans = 500;

// The most pixels decode() reads: 64 MP, over three times the largest image any provider produces (1536 x 12288).
// A few hundred bytes can announce 65535 x 65535 (JPEG) or 16383 x 16383 (WebP lossless): decoding them would hold
// the caller (and the simulator's lock) for minutes, so such an image is refused from its header alone.
constexpr std::uint64_t kMaxDecodePixels = 64ull << 20;

constexpr unsigned char kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

bool is_png(std::string_view b) {
  return b.size() >= 8 && std::memcmp(b.data(), kPngSignature, 8) == 0;
}
bool is_jpeg(std::string_view b) {
  return b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xD8 &&
         static_cast<unsigned char>(b[2]) == 0xFF;
}
bool is_webp(std::string_view b) { return b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP"; }

std::uint32_t big_endian(std::string_view b, std::size_t at, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Probing: headers only

// PNG: signature, then IHDR must be the first chunk (PNG spec 5.6): length 13, width and height 1..2^31-1.
std::optional<DecodedImage> probe_png(std::string_view b) {
  if (b.size() < 24 || big_endian(b, 8, 4) != 13 || b.substr(12, 4) != "IHDR") return std::nullopt;
  const std::uint32_t width = big_endian(b, 16, 4), height = big_endian(b, 20, 4);
  if (width == 0 || height == 0 || width > 0x7FFFFFFFu || height > 0x7FFFFFFFu) return std::nullopt;
  return DecodedImage{Format::png, static_cast<int>(width), static_cast<int>(height)};
}

// JPEG: walks the markers after SOI up to the first SOFn (ITU T.81 B.1.1), skipping fill bytes and the
// stand-alone markers; SOS or EOI before any SOF means there is no frame header to read.
std::optional<DecodedImage> probe_jpeg(std::string_view b) {
  std::size_t at = 2;
  while (at + 1 < b.size()) {
    if (static_cast<unsigned char>(b[at]) != 0xFF) return std::nullopt;
    const auto marker = static_cast<unsigned char>(b[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    at += 2;
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // TEM, RSTn: no length
    if (marker == 0xD8 || marker == 0xD9 || marker == 0xDA || marker == 0x00) return std::nullopt;
    if (at + 2 > b.size()) return std::nullopt;
    const std::uint32_t length = big_endian(b, at, 2);
    if (length < 2) return std::nullopt;
    const bool start_of_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (start_of_frame) {  // length(2) precision(1) height(2) width(2)
      if (length < 8 || at + 7 > b.size()) return std::nullopt;
      const std::uint32_t height = big_endian(b, at + 3, 2), width = big_endian(b, at + 5, 2);
      if (width == 0 || height == 0) return std::nullopt;  // height 0 defers to a DNL marker: not supported
      return DecodedImage{Format::jpeg, static_cast<int>(width), static_cast<int>(height)};
    }
    at += length;
  }
  return std::nullopt;
}

std::optional<DecodedImage> probe_webp(std::string_view b) {
  int width = 0, height = 0;
  if (!WebPGetInfo(reinterpret_cast<const std::uint8_t*>(b.data()), b.size(), &width, &height)) return std::nullopt;
  return DecodedImage{Format::webp, width, height};
}

// ---------------------------------------------------------------------------------------------------------------
// PNG decoding (libpng, row by row: memory stays one row whatever the dimensions claim)

struct PngReader {
  png_structp png = nullptr;
  png_infop info = nullptr;
  std::string_view input;
  std::size_t offset = 0;
  int passes = 1;                 // 7 for Adam7-interlaced images
  std::unique_ptr<std::uint8_t[]> row;  // sized between read_png_header and read_png_pixels
  ~PngReader() { png_destroy_read_struct(&png, &info, nullptr); }
};

void png_read_on_error(png_structp png, png_const_charp) { png_longjmp(png, 1); }
void png_read_on_warning(png_structp, png_const_charp) {}

void png_on_read(png_structp png, png_bytep out, png_size_t length) {
  auto* reader = static_cast<PngReader*>(png_get_io_ptr(png));
  if (length > reader->input.size() - reader->offset) png_error(png, "truncated PNG");
  std::memcpy(out, reader->input.data() + reader->offset, length);
  reader->offset += length;
}

// setjmp functions: trivial locals only. The row buffer is allocated between the two calls, outside any setjmp scope.
bool read_png_header(PngReader& reader) {
  if (setjmp(png_jmpbuf(reader.png))) return false;
  png_set_read_fn(reader.png, &reader, png_on_read);
  png_read_info(reader.png, reader.info);
  reader.passes = png_set_interlace_handling(reader.png);  // Adam7 passes are read into the same single row
  png_read_update_info(reader.png, reader.info);
  return true;
}

bool read_png_pixels(PngReader& reader) {
  if (setjmp(png_jmpbuf(reader.png))) return false;
  const png_uint_32 height = png_get_image_height(reader.png, reader.info);
  for (int pass = 0; pass < reader.passes; ++pass) {
    for (png_uint_32 y = 0; y < height; ++y) png_read_row(reader.png, reader.row.get(), nullptr);
  }
  png_read_end(reader.png, nullptr);  // checks the rest of the stream, up to IEND, including CRCs
  return true;
}

std::optional<DecodedImage> decode_png(std::string_view bytes) {
  PngReader reader;
  reader.input = bytes;
  reader.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, png_read_on_error, png_read_on_warning);
  if (reader.png == nullptr) return std::nullopt;
  reader.info = png_create_info_struct(reader.png);
  if (reader.info == nullptr || !read_png_header(reader)) return std::nullopt;
  reader.row = std::make_unique<std::uint8_t[]>(png_get_rowbytes(reader.png, reader.info));
  if (!read_png_pixels(reader)) return std::nullopt;
  return DecodedImage{Format::png, static_cast<int>(png_get_image_width(reader.png, reader.info)),
                      static_cast<int>(png_get_image_height(reader.png, reader.info))};
}

// ---------------------------------------------------------------------------------------------------------------
// JPEG decoding (libjpeg-turbo, scanline by scanline)

using detail::JpegErrorManager;

struct JpegReader {
  jpeg_decompress_struct cinfo{};  // zeroed: jpeg_destroy_decompress is a no-op until created
  JpegErrorManager error{};
  jpeg_progress_mgr progress{};
  unsigned char* row = nullptr;  // malloc'ed inside the setjmp scope, so a plain pointer in caller-owned memory
  ~JpegReader() {
    jpeg_destroy_decompress(&cinfo);
    std::free(row);
  }
};

void jpeg_read_on_error(j_common_ptr cinfo) {
  std::longjmp(reinterpret_cast<JpegErrorManager*>(cinfo->err)->jump, 1);
}
// Warnings (level -1) are how libjpeg reports corrupt or truncated data it would otherwise paper over with grey:
// strict by default, they fail the decode. Trace messages (level >= 0) are ignored, never printed.
void jpeg_read_on_message(j_common_ptr cinfo, int level) {
  if (level < 0) jpeg_read_on_error(cinfo);
}
void jpeg_read_on_output(j_common_ptr) {}
void jpeg_read_on_progress(j_common_ptr cinfo) {
  const auto* decompress = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (decompress->input_scan_number > kJpegMaxScans) jpeg_read_on_error(cinfo);
}

bool read_jpeg(JpegReader& reader, std::string_view bytes) {
  if (setjmp(reader.error.jump)) return false;
  jpeg_create_decompress(&reader.cinfo);
  reader.cinfo.mem->max_memory_to_use = kJpegMemoryLimit;
  reader.cinfo.progress = &reader.progress;
  jpeg_mem_src(&reader.cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  if (jpeg_read_header(&reader.cinfo, TRUE) != JPEG_HEADER_OK) return false;
  jpeg_start_decompress(&reader.cinfo);
  const std::size_t stride =
      static_cast<std::size_t>(reader.cinfo.output_width) * static_cast<std::size_t>(reader.cinfo.output_components);
  reader.row = static_cast<unsigned char*>(std::malloc(std::max<std::size_t>(stride, 1)));
  if (reader.row == nullptr) return false;
  JSAMPROW rows[1] = {reader.row};
  while (reader.cinfo.output_scanline < reader.cinfo.output_height) {
    if (jpeg_read_scanlines(&reader.cinfo, rows, 1) != 1) return false;
  }
  jpeg_finish_decompress(&reader.cinfo);
  return true;
}

std::optional<DecodedImage> decode_jpeg(std::string_view bytes) {
  JpegReader reader;
  reader.cinfo.err = jpeg_std_error(&reader.error.base);
  reader.error.base.error_exit = jpeg_read_on_error;
  reader.error.base.emit_message = jpeg_read_on_message;
  reader.error.base.output_message = jpeg_read_on_output;
  reader.progress.progress_monitor = jpeg_read_on_progress;
  if (!read_jpeg(reader, bytes)) return std::nullopt;
  return DecodedImage{Format::jpeg, static_cast<int>(reader.cinfo.image_width),
                      static_cast<int>(reader.cinfo.image_height)};
}

// ---------------------------------------------------------------------------------------------------------------
// WebP decoding (libwebp's simple API decodes into one full RGB frame: at most 16383^2 * 3 bytes by the format)

std::optional<DecodedImage> decode_webp(std::string_view bytes) {
  int width = 0, height = 0;
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  if (!WebPGetInfo(data, bytes.size(), &width, &height)) return std::nullopt;
  std::uint8_t* pixels = WebPDecodeRGB(data, bytes.size(), &width, &height);
  if (pixels == nullptr) return std::nullopt;
  WebPFree(pixels);
  return DecodedImage{Format::webp, width, height};
}

}  // namespace

std::optional<DecodedImage> probe(std::string_view bytes) {
  if (is_png(bytes)) return probe_png(bytes);
  if (is_jpeg(bytes)) return probe_jpeg(bytes);
  if (is_webp(bytes)) return probe_webp(bytes);
  return std::nullopt;
}

std::optional<DecodedImage> decode(std::string_view bytes) {
  // Every image that decodes has a header that probes to the same dimensions; more than kMaxDecodePixels is refused.
  const auto header = probe(bytes);
  if (!header || static_cast<std::uint64_t>(header->width) * static_cast<std::uint64_t>(header->height) > kMaxDecodePixels) {
    return std::nullopt;
  }
  if (is_png(bytes)) return decode_png(bytes);
  if (is_jpeg(bytes)) return decode_jpeg(bytes);
  if (is_webp(bytes)) return decode_webp(bytes);
  return std::nullopt;
}

}  // namespace nanosim::images
