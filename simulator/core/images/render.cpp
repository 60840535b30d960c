// Rendering: a seed-determined picture (diagonal two-colour gradient under a few translucent rectangles and
// circles) painted one row at a time and fed to libpng / libjpeg-turbo row by row; libwebp needs the whole frame.
//
// Error handling with the C codecs: libpng and libjpeg report errors by longjmp. Each encoder keeps all its state
// (codec structs, buffers) in a caller-owned struct whose destructor releases it, and calls the codec from a small
// function holding the setjmp and only trivial locals, so a longjmp skips no destructor and leaves no local value
// indeterminate; that function returns false and the caller throws std::runtime_error.

#include <algorithm>
#include <csetjmp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <webp/encode.h>

#include "nanosim/images.hpp"

namespace nanosim::images {
namespace {

constexpr int kMaxDimension = 16383;  // WebP's limit, applied to every format so a spec renders in all of them
constexpr int kPngZlibLevel = 1;      // speed over size: the picture is smooth and compresses well anyway
constexpr int kWebpMethod = 0;        // libwebp's speed/size knob, fastest: see encode_webp

// ---------------------------------------------------------------------------------------------------------------
// The picture

// SplitMix64 (Steele et al., 2014): a tiny, well-mixed generator; the whole picture derives from its output.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int below(int bound) { return bound <= 0 ? 0 : static_cast<int>(next() % static_cast<std::uint64_t>(bound)); }

 private:
  std::uint64_t state_;
};

struct Rgb {
  int r, g, b;
};

struct Shape {
  bool circle;
  int x0, y0, x1, y1;  // rectangle [x0, x1) x [y0, y1); circle: centre (x0, y0), radius x1
  Rgb colour;
  int alpha;  // 0..256, weight of the shape's colour over what lies below
};

// Paints the picture one row at a time, so the encoders never need a full frame.
class Painter {
 public:
  explicit Painter(const ImageSpec& spec) : width_(spec.width), height_(spec.height) {
    SplitMix64 rng(spec.seed);
    from_ = random_colour(rng);
    to_ = random_colour(rng);
    const int span = std::max(1, std::min(width_, height_));
    const int count = 3 + rng.below(5);
    for (int i = 0; i < count; ++i) {
      Shape s{};
      s.circle = rng.below(2) == 0;
      s.colour = random_colour(rng);
      s.alpha = 140 + rng.below(100);
      const int size = std::max(1, span / 8 + rng.below(std::max(1, span / 3)));
      s.x0 = rng.below(width_);
      s.y0 = rng.below(height_);
      if (s.circle) {
        s.x1 = size / 2 + 1;
      } else {
        s.x0 -= size / 2;
        s.y0 -= size / 2;
        s.x1 = s.x0 + size + rng.below(size);
        s.y1 = s.y0 + size;
      }
      shapes_.push_back(s);
    }
  }

  // Writes row y as width*3 bytes of 8-bit RGB.
  void paint_row(int y, std::uint8_t* row) const {
    paint_gradient(y, row);
    for (const Shape& s : shapes_) blend_shape(s, y, row);
  }

 private:
  static Rgb random_colour(SplitMix64& rng) {
    const std::uint64_t v = rng.next();
    return {static_cast<int>(v & 0xFF), static_cast<int>(v >> 8 & 0xFF), static_cast<int>(v >> 16 & 0xFF)};
  }

  // Colour at (x, y) is from_ + (to_ - from_) * (x + y) / (width + height - 2), in 16.16 fixed point. The step is
  // truncated towards zero, so the running value never passes to_ and needs no clamping.
  void paint_gradient(int y, std::uint8_t* row) const {
    const std::int64_t diagonal = std::max(1, width_ + height_ - 2);
    const int from[3] = {from_.r, from_.g, from_.b};
    const int to[3] = {to_.r, to_.g, to_.b};
    std::int64_t value[3], step[3];
    for (int c = 0; c < 3; ++c) {
      const std::int64_t delta = static_cast<std::int64_t>(to[c] - from[c]) << 16;
      value[c] = (static_cast<std::int64_t>(from[c]) << 16) + delta * y / diagonal;
      step[c] = delta / diagonal;
    }
    for (int x = 0; x < width_; ++x, row += 3) {
      for (int c = 0; c < 3; ++c) {
        row[c] = static_cast<std::uint8_t>(value[c] >> 16);
        value[c] += step[c];
      }
    }
  }

  void blend_shape(const Shape& s, int y, std::uint8_t* row) const {
    int begin = 0, end = 0;
    if (s.circle) {
      const std::int64_t dy = y - s.y0, r = s.x1;
      if (dy * dy >= r * r) return;
      const int half = static_cast<int>(std::sqrt(static_cast<double>(r * r - dy * dy)));
      begin = s.x0 - half;
      end = s.x0 + half + 1;
    } else {
      if (y < s.y0 || y >= s.y1) return;
      begin = s.x0;
      end = s.x1;
    }
    begin = std::max(begin, 0);
    end = std::min(end, width_);
    const int keep = 256 - s.alpha;
    const int add[3] = {s.colour.r * s.alpha, s.colour.g * s.alpha, s.colour.b * s.alpha};
    for (std::uint8_t* p = row + 3 * begin; p < row + 3 * end; p += 3) {
      for (int c = 0; c < 3; ++c) p[c] = static_cast<std::uint8_t>((p[c] * keep + add[c]) >> 8);
    }
  }

  int width_, height_;
  Rgb from_{}, to_{};
  std::vector<Shape> shapes_;
};

// ---------------------------------------------------------------------------------------------------------------
// PNG (libpng, one row at a time)

struct PngWriter {
  png_structp png = nullptr;
  png_infop info = nullptr;
  std::string out;
  std::unique_ptr<std::uint8_t[]> row;  // one RGB row: the encoder never holds a full frame
  char message[200] = "unknown libpng error";
  ~PngWriter() { png_destroy_write_struct(&png, &info); }
};

void png_on_error(png_structp png, png_const_charp message) {
  auto* writer = static_cast<PngWriter*>(png_get_error_ptr(png));
  std::snprintf(writer->message, sizeof writer->message, "%s", message);
  png_longjmp(png, 1);
}

void png_on_warning(png_structp, png_const_charp) {}  // nothing we write can warn; never print to stderr

void png_on_write(png_structp png, png_bytep bytes, png_size_t length) {
  auto* writer = static_cast<PngWriter*>(png_get_io_ptr(png));
  bool appended = true;
  try {
    writer->out.append(reinterpret_cast<const char*>(bytes), length);
  } catch (...) {  // no exception may cross libpng's C frames; report through libpng instead
    appended = false;
  }
  if (!appended) png_error(png, "out of memory for the encoded PNG");
}

// The only function with a setjmp: its own locals are trivial, all state lives in `writer` (the caller's).
bool write_png(PngWriter& writer, const ImageSpec& spec, const Painter& painter) {
  if (setjmp(png_jmpbuf(writer.png))) return false;
  png_set_write_fn(writer.png, &writer, png_on_write, nullptr);
  png_set_IHDR(writer.png, writer.info, static_cast<png_uint_32>(spec.width), static_cast<png_uint_32>(spec.height),
               8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // No filter + deflate level 1: the picture is runs of equal pixels, which LZ77 finds without filtering. Measured
  // at 8192x2048 against Sub/Up filters and Z_RLE: fastest to encode (~95 ms) and to decode, within 30% of the size.
  png_set_filter(writer.png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  png_set_compression_level(writer.png, kPngZlibLevel);
  png_write_info(writer.png, writer.info);
  for (int y = 0; y < spec.height; ++y) {
    painter.paint_row(y, writer.row.get());
    png_write_row(writer.png, writer.row.get());
  }
  png_write_end(writer.png, nullptr);
  return true;
}

std::string encode_png(const ImageSpec& spec, const Painter& painter) {
  PngWriter writer;
  writer.row = std::make_unique<std::uint8_t[]>(static_cast<std::size_t>(spec.width) * 3);
  writer.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &writer, png_on_error, png_on_warning);
  if (writer.png == nullptr) throw std::runtime_error("png encoder: cannot create the libpng write struct");
  writer.info = png_create_info_struct(writer.png);
  if (writer.info == nullptr) throw std::runtime_error("png encoder: cannot create the libpng info struct");
  if (!write_png(writer, spec, painter)) throw std::runtime_error(std::string("png encoder: ") + writer.message);
  return std::move(writer.out);
}

// ---------------------------------------------------------------------------------------------------------------
// JPEG (libjpeg-turbo, one scanline at a time, into a malloc'ed buffer that the destination manager grows)

struct JpegErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
};

void jpeg_on_error(j_common_ptr cinfo) { std::longjmp(reinterpret_cast<JpegErrorManager*>(cinfo->err)->jump, 1); }
void jpeg_on_message(j_common_ptr, int) {}  // never print to stderr
void jpeg_on_output(j_common_ptr) {}

// A destination in plain C terms (realloc, no C++ exceptions) so that it may run between setjmp and longjmp.
struct JpegDestination {
  jpeg_destination_mgr base;
  unsigned char* data;  // owned; freed by JpegWriter
  std::size_t capacity;
};

void jpeg_dest_init(j_compress_ptr cinfo) {
  auto* dest = reinterpret_cast<JpegDestination*>(cinfo->dest);
  dest->base.next_output_byte = dest->data;
  dest->base.free_in_buffer = dest->capacity;
}

boolean jpeg_dest_grow(j_compress_ptr cinfo) {  // called only when the buffer is full
  auto* dest = reinterpret_cast<JpegDestination*>(cinfo->dest);
  const std::size_t grown = dest->capacity * 2;
  auto* data = static_cast<unsigned char*>(std::realloc(dest->data, grown));
  if (data == nullptr) {
    cinfo->err->msg_code = JERR_OUT_OF_MEMORY;
    cinfo->err->error_exit(reinterpret_cast<j_common_ptr>(cinfo));
  }
  dest->base.next_output_byte = data + dest->capacity;
  dest->base.free_in_buffer = grown - dest->capacity;
  dest->data = data;
  dest->capacity = grown;
  return TRUE;
}

void jpeg_dest_term(j_compress_ptr) {}

struct JpegWriter {
  jpeg_compress_struct cinfo{};  // zeroed: jpeg_destroy_compress is a no-op until jpeg_create_compress succeeds
  JpegErrorManager error{};
  JpegDestination destination{};
  std::unique_ptr<std::uint8_t[]> row;  // one RGB row: the encoder never holds a full frame
  ~JpegWriter() {
    jpeg_destroy_compress(&cinfo);
    std::free(destination.data);
  }
  std::string message() {
    char text[JMSG_LENGTH_MAX] = "unknown libjpeg error";
    if (error.base.format_message != nullptr) error.base.format_message(reinterpret_cast<j_common_ptr>(&cinfo), text);
    return text;
  }
};

// The only function with a setjmp: its own locals are trivial, all state lives in `writer` (the caller's).
bool write_jpeg(JpegWriter& writer, const ImageSpec& spec, const Painter& painter) {
  if (setjmp(writer.error.jump)) return false;
  jpeg_create_compress(&writer.cinfo);
  writer.cinfo.dest = &writer.destination.base;
  writer.cinfo.image_width = static_cast<JDIMENSION>(spec.width);
  writer.cinfo.image_height = static_cast<JDIMENSION>(spec.height);
  writer.cinfo.input_components = 3;
  writer.cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&writer.cinfo);
  jpeg_set_quality(&writer.cinfo, spec.quality, TRUE);  // quality 0 is clamped to 1 by libjpeg
  // The fast integer DCT: a fake picture of smooth areas loses nothing visible, and 4K encodes ~15% sooner.
  writer.cinfo.dct_method = JDCT_IFAST;
  jpeg_start_compress(&writer.cinfo, TRUE);
  JSAMPROW rows[1] = {writer.row.get()};
  for (int y = 0; y < spec.height; ++y) {
    painter.paint_row(y, writer.row.get());
    jpeg_write_scanlines(&writer.cinfo, rows, 1);
  }
  jpeg_finish_compress(&writer.cinfo);
  return true;
}

std::string encode_jpeg(const ImageSpec& spec, const Painter& painter) {
  JpegWriter writer;
  writer.row = std::make_unique<std::uint8_t[]>(static_cast<std::size_t>(spec.width) * 3);
  writer.destination.capacity = 64 * 1024;
  writer.destination.data = static_cast<unsigned char*>(std::malloc(writer.destination.capacity));
  if (writer.destination.data == nullptr) throw std::bad_alloc();
  writer.destination.base.init_destination = jpeg_dest_init;
  writer.destination.base.empty_output_buffer = jpeg_dest_grow;
  writer.destination.base.term_destination = jpeg_dest_term;
  writer.cinfo.err = jpeg_std_error(&writer.error.base);
  writer.error.base.error_exit = jpeg_on_error;
  writer.error.base.output_message = jpeg_on_output;
  writer.error.base.emit_message = jpeg_on_message;
  if (!write_jpeg(writer, spec, painter)) throw std::runtime_error("jpeg encoder: " + writer.message());
  const std::size_t written = writer.destination.capacity - writer.destination.base.free_in_buffer;
  return std::string(reinterpret_cast<const char*>(writer.destination.data), written);
}

// ---------------------------------------------------------------------------------------------------------------
// WebP (libwebp, lossy, from one full RGB frame: the encoder takes nothing smaller)

struct WebpWriter {
  WebPPicture picture{};
  WebPMemoryWriter memory{};
  WebpWriter() {
    WebPPictureInit(&picture);
    WebPMemoryWriterInit(&memory);
  }
  ~WebpWriter() {
    WebPPictureFree(&picture);
    WebPMemoryWriterClear(&memory);
  }
  WebpWriter(const WebpWriter&) = delete;
  WebpWriter& operator=(const WebpWriter&) = delete;
};

// Same as WebPEncodeRGB(rgb, w, h, stride, quality) but tuned for speed, as a fake image needs no compression
// effort: method 0 (WebPEncodeRGB uses 4), one segment, no spatial noise shaping and no loop filter. The quality is
// still applied (a lower one gives fewer bytes) and the output still decodes to the spec's dimensions.
std::string encode_webp(const ImageSpec& spec, const Painter& painter) {
  const std::size_t stride = static_cast<std::size_t>(spec.width) * 3;
  auto frame = std::make_unique<std::uint8_t[]>(stride * static_cast<std::size_t>(spec.height));
  for (int y = 0; y < spec.height; ++y) painter.paint_row(y, frame.get() + stride * static_cast<std::size_t>(y));

  WebPConfig config;
  if (!WebPConfigPreset(&config, WEBP_PRESET_DEFAULT, static_cast<float>(spec.quality))) {
    throw std::runtime_error("webp encoder: libwebp version mismatch");
  }
  config.method = kWebpMethod;
  config.segments = 1;
  config.sns_strength = 0;
  config.filter_strength = 0;
  WebpWriter writer;
  writer.picture.width = spec.width;
  writer.picture.height = spec.height;
  writer.picture.writer = WebPMemoryWrite;
  writer.picture.custom_ptr = &writer.memory;
  if (!WebPPictureImportRGB(&writer.picture, frame.get(), static_cast<int>(stride))) {
    throw std::runtime_error("webp encoder: out of memory importing the frame");
  }
  frame.reset();  // the picture now holds its own YUV copy
  if (!WebPEncode(&config, &writer.picture)) {
    throw std::runtime_error("webp encoder: error code " + std::to_string(writer.picture.error_code));
  }
  return std::string(reinterpret_cast<const char*>(writer.memory.mem), writer.memory.size);
}

void validate(const ImageSpec& spec) {
  auto in_range = [](int v, int lo, int hi) { return v >= lo && v <= hi; };
  if (!in_range(spec.width, 1, kMaxDimension) || !in_range(spec.height, 1, kMaxDimension)) {
    throw std::invalid_argument("image dimensions " + std::to_string(spec.width) + "x" + std::to_string(spec.height) +
                                " are outside 1..16383");
  }
  if (!in_range(spec.quality, 0, 100)) {
    throw std::invalid_argument("image quality " + std::to_string(spec.quality) + " is outside 0..100");
  }
}

}  // namespace

std::string render(const ImageSpec& spec) {
  validate(spec);
  const Painter painter(spec);
  switch (spec.format) {
    case Format::png: return encode_png(spec, painter);
    case Format::jpeg: return encode_jpeg(spec, painter);
    case Format::webp: return encode_webp(spec, painter);
  }
  throw std::invalid_argument("unknown image format " + std::to_string(static_cast<int>(spec.format)));
}

}  // namespace nanosim::images
