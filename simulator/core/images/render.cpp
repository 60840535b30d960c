// Rendering: a seed-determined picture (a diagonal gradient under a few translucent rectangles and circles) drawn on
// a grid of 16 x 16 pixel cells in at most 256 colours, then encoded by libpng or libjpeg-turbo, or written here as
// a lossless WebP bitstream.
//
// The grid is what makes a fake image cheap (the target is <= 5 ms at 1K and <= 50 ms at 4K): a cell is a 4:2:0
// JPEG MCU, so every DCT block is flat (DC only); the 16 rows of a cell row are one row painted once and handed to
// the codec 16 times; the 256 colours make the PNG an 8-bit palette image (one byte a pixel, compressed as runs);
// and a WebP is written as runs of cells and copies of rows, never pixel by pixel. Colours are converted to YCbCr
// once per palette entry, never per pixel: JPEG takes the planes directly. Nothing is computed per pixel but copies.
//
// Error handling with the C codecs: libpng and libjpeg report errors by longjmp. Each encoder keeps all its state
// (codec structs, buffers) in a caller-owned struct whose destructor releases it, and calls the codec from a small
// function holding the setjmp and only trivial locals, so a longjmp skips no destructor and leaves no local value
// indeterminate; that function returns false and the caller throws std::runtime_error.

#include <algorithm>
#include <array>
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
#include <zlib.h>

#include "jpeg_error.hpp"
#include "nanosim/images.hpp"

namespace nanosim::images {
namespace {

constexpr int kMaxDimension = 16383;  // WebP's limit, applied to every format so a spec renders in all of them
constexpr int kCell = 16;             // the picture's grid: a 4:2:0 JPEG MCU
constexpr int kMaxColours = 256;      // an 8-bit PNG palette
constexpr int kPngZlibLevel = 1;      // see write_png

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

// In cells: rectangle [x0, x1) x [y0, y1); circle: the cells (x, y) with (x - x0)^2 + (y - y0)^2 < x1^2.
struct Shape {
  bool circle;
  int x0, y0, x1, y1;
};

// The picture as a palette and, per row of cells, one palette index per cell. Colour index
// level * (shapes + 1) + top is gradient level `level` seen alone (top 0) or under shape top - 1, the topmost shape
// over that cell, whose colour blends with weight alpha/256 over the gradient's. The levels share the 256 colours:
// 32 to 64 of them, from one seed-chosen colour at the top-left cell to another at the bottom-right one.
class Picture {
 public:
  explicit Picture(const ImageSpec& spec)
      : columns_((spec.width + kCell - 1) / kCell), rows_((spec.height + kCell - 1) / kCell) {
    SplitMix64 rng(spec.seed);
    const Rgb from = random_colour(rng);
    const Rgb to = random_colour(rng);
    const int span = std::max(1, std::min(columns_, rows_));
    const int count = 3 + rng.below(5);
    std::vector<Rgb> shape_colours;
    std::vector<int> alphas;
    for (int i = 0; i < count; ++i) {
      Shape s{};
      s.circle = rng.below(2) == 0;
      shape_colours.push_back(random_colour(rng));
      alphas.push_back(140 + rng.below(100));  // 0..256, weight of the shape's colour over the gradient
      const int size = std::max(1, span / 8 + rng.below(std::max(1, span / 3)));
      s.x0 = rng.below(columns_);
      s.y0 = rng.below(rows_);
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
    stride_ = count + 1;
    levels_ = kMaxColours / stride_;
    for (int level = 0; level < levels_; ++level) {
      const int den = std::max(1, levels_ - 1);
      const Rgb base{from.r + (to.r - from.r) * level / den, from.g + (to.g - from.g) * level / den,
                     from.b + (to.b - from.b) * level / den};
      palette_.push_back(base);
      for (int i = 0; i < count; ++i) {
        const Rgb& c = shape_colours[static_cast<std::size_t>(i)];
        const int alpha = alphas[static_cast<std::size_t>(i)], keep = 256 - alpha;
        palette_.push_back({(base.r * keep + c.r * alpha) >> 8, (base.g * keep + c.g * alpha) >> 8,
                            (base.b * keep + c.b * alpha) >> 8});
      }
    }
  }

  int columns() const { return columns_; }  // cells across: ceil(width / 16)
  int rows() const { return rows_; }        // cells down: ceil(height / 16)
  const std::vector<Rgb>& palette() const { return palette_; }

  // Writes the palette index of each of the columns() cells of cell row `row`. Allocates nothing, throws nothing.
  void paint_cells(int row, std::uint8_t* cells) const {
    std::memset(cells, 0, static_cast<std::size_t>(columns_));
    for (std::size_t i = 0; i < shapes_.size(); ++i) {
      const Shape& s = shapes_[i];
      int begin = 0, end = 0;
      if (s.circle) {
        const std::int64_t dy = row - s.y0, r2 = static_cast<std::int64_t>(s.x1) * s.x1;
        if (dy * dy >= r2) continue;
        const std::int64_t left = r2 - dy * dy;  // > 0: the widest |dx| with dx^2 < left, exactly
        auto half = static_cast<std::int64_t>(std::sqrt(static_cast<double>(left)));
        while (half * half >= left) --half;
        while ((half + 1) * (half + 1) < left) ++half;
        begin = s.x0 - static_cast<int>(half);
        end = s.x0 + static_cast<int>(half) + 1;
      } else {
        if (row < s.y0 || row >= s.y1) continue;
        begin = s.x0;
        end = s.x1;
      }
      begin = std::max(begin, 0);
      end = std::min(end, columns_);
      if (begin < end) std::memset(cells + begin, static_cast<int>(i + 1), static_cast<std::size_t>(end - begin));
    }
    // Gradient level along the diagonal: from 0 at the top-left cell to levels - 1 at the bottom-right one.
    const int diagonal = std::max(1, columns_ + rows_ - 2);
    for (int x = 0; x < columns_; ++x) {
      const int level = (x + row) * (levels_ - 1) / diagonal;
      cells[x] = static_cast<std::uint8_t>(level * stride_ + cells[x]);
    }
  }

 private:
  static Rgb random_colour(SplitMix64& rng) {
    const std::uint64_t v = rng.next();
    return {static_cast<int>(v & 0xFF), static_cast<int>(v >> 8 & 0xFF), static_cast<int>(v >> 16 & 0xFF)};
  }

  int columns_, rows_;
  int stride_ = 1, levels_ = 1;  // colours per gradient level (1 + shapes), gradient levels
  std::vector<Shape> shapes_;
  std::vector<Rgb> palette_;  // levels_ * stride_ <= 256 colours
};

// Spreads one row of cells over a row of `width` pixels of one byte each, a cell being `cell` pixels wide.
void spread_cells(const std::uint8_t* cells, const std::array<std::uint8_t, kMaxColours>& value, int cell, int width,
                  std::uint8_t* out) {
  for (int x = 0, c = 0; x < width; x += cell, ++c) {
    std::memset(out + x, value[cells[c]], static_cast<std::size_t>(std::min(cell, width - x)));
  }
}

constexpr std::array<std::uint8_t, kMaxColours> kIdentity = [] {
  std::array<std::uint8_t, kMaxColours> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(i);
  return out;
}();

// ---------------------------------------------------------------------------------------------------------------
// PNG (libpng, 8-bit palette, one row at a time)

struct PngWriter {
  png_structp png = nullptr;
  png_infop info = nullptr;
  std::string out;
  std::array<png_color, kMaxColours> palette{};
  int colours = 0;
  std::unique_ptr<std::uint8_t[]> cells;  // one row of cells
  std::unique_ptr<std::uint8_t[]> row;    // one row of palette indices: the encoder never holds a full frame
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
bool write_png(PngWriter& writer, const ImageSpec& spec, const Picture& picture) {
  if (setjmp(png_jmpbuf(writer.png))) return false;
  png_set_write_fn(writer.png, &writer, png_on_write, nullptr);
  png_set_IHDR(writer.png, writer.info, static_cast<png_uint_32>(spec.width), static_cast<png_uint_32>(spec.height),
               8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_PLTE(writer.png, writer.info, writer.palette.data(), writer.colours);
  // One byte a pixel in runs of 16: no filter and deflate's run-length strategy at level 1, whose cost is a pass
  // over the bytes (Adler-32 and the run scan). Measured at 4096 x 4096 against the Up filter (zero rows, 4x fewer
  // bytes, ~30% slower) and the default strategy (slower and larger).
  png_set_filter(writer.png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  png_set_compression_level(writer.png, kPngZlibLevel);
  png_set_compression_strategy(writer.png, Z_RLE);
#ifdef PNG_CHECK_FOR_INVALID_INDEX_SUPPORTED
  png_set_check_for_invalid_index(writer.png, 0);  // every index is below `colours` by construction; ~25% of the time
#endif
  png_write_info(writer.png, writer.info);
  for (int cell_row = 0; cell_row < picture.rows(); ++cell_row) {
    picture.paint_cells(cell_row, writer.cells.get());
    spread_cells(writer.cells.get(), kIdentity, kCell, spec.width, writer.row.get());
    const int end = std::min(spec.height, (cell_row + 1) * kCell);
    for (int y = cell_row * kCell; y < end; ++y) png_write_row(writer.png, writer.row.get());
  }
  png_write_end(writer.png, nullptr);
  return true;
}

std::string encode_png(const ImageSpec& spec, const Picture& picture) {
  PngWriter writer;
  const std::vector<Rgb>& palette = picture.palette();
  writer.colours = static_cast<int>(palette.size());
  for (std::size_t i = 0; i < palette.size(); ++i) {
    writer.palette[i] = {static_cast<png_byte>(palette[i].r), static_cast<png_byte>(palette[i].g),
                         static_cast<png_byte>(palette[i].b)};
  }
  writer.cells = std::make_unique<std::uint8_t[]>(static_cast<std::size_t>(picture.columns()));
  writer.row = std::make_unique<std::uint8_t[]>(static_cast<std::size_t>(spec.width));
  writer.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &writer, png_on_error, png_on_warning);
  if (writer.png == nullptr) throw std::runtime_error("png encoder: cannot create the libpng write struct");
  writer.info = png_create_info_struct(writer.png);
  if (writer.info == nullptr) throw std::runtime_error("png encoder: cannot create the libpng info struct");
  if (!write_png(writer, spec, picture)) throw std::runtime_error(std::string("png encoder: ") + writer.message);
  return std::move(writer.out);
}

// ---------------------------------------------------------------------------------------------------------------
// JPEG (libjpeg-turbo, one scanline at a time, into a malloc'ed buffer that the destination manager grows)

using detail::JpegErrorManager;

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

// One plane's value for each palette colour.
using PlaneValues = std::array<std::uint8_t, kMaxColours>;

// JFIF's full-range YCbCr (ITU-T T.871), rounded, in the 16.16 fixed point of libjpeg's own jccolor.c.
void jfif_ycbcr(const std::vector<Rgb>& palette, PlaneValues& y, PlaneValues& cb, PlaneValues& cr) {
  constexpr std::int64_t kHalf = 1 << 15, kOffset = std::int64_t{128} << 16;
  for (std::size_t i = 0; i < palette.size(); ++i) {
    const std::int64_t r = palette[i].r, g = palette[i].g, b = palette[i].b;
    auto clamp = [](std::int64_t v) { return static_cast<std::uint8_t>(std::clamp<std::int64_t>(v >> 16, 0, 255)); };
    y[i] = clamp(19595 * r + 38470 * g + 7471 * b + kHalf);
    cb[i] = clamp(-11059 * r - 21709 * g + 32768 * b + kOffset + kHalf - 1);
    cr[i] = clamp(32768 * r - 27439 * g - 5329 * b + kOffset + kHalf - 1);
  }
}

struct JpegWriter {
  jpeg_compress_struct cinfo{};  // zeroed: jpeg_destroy_compress is a no-op until jpeg_create_compress succeeds
  JpegErrorManager error{};
  JpegDestination destination{};
  PlaneValues y{}, cb{}, cr{};            // per palette colour
  std::unique_ptr<std::uint8_t[]> cells;  // one row of cells
  // One row of each plane, padded to whole cells (16 luma, 8 chroma samples a cell), and the rows of one iMCU row
  // (16 luma, 8 chroma) all pointing at it: the 16 pixel rows of a cell row are the same row.
  std::unique_ptr<std::uint8_t[]> planes[3];
  JSAMPROW luma_rows[2 * DCTSIZE]{}, cb_rows[DCTSIZE]{}, cr_rows[DCTSIZE]{};
  JSAMPARRAY image[3] = {luma_rows, cb_rows, cr_rows};
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
// Raw YCbCr 4:2:0 (libjpeg.txt, "Raw (downsampled) image data"): the planes are painted from the palette's YCbCr,
// so libjpeg does no colour conversion and no downsampling; each 8 x 8 block is flat, so the DCT leaves a DC only.
bool write_jpeg(JpegWriter& writer, const ImageSpec& spec, const Picture& picture) {
  if (setjmp(writer.error.jump)) return false;
  jpeg_create_compress(&writer.cinfo);
  writer.cinfo.dest = &writer.destination.base;
  writer.cinfo.image_width = static_cast<JDIMENSION>(spec.width);
  writer.cinfo.image_height = static_cast<JDIMENSION>(spec.height);
  writer.cinfo.input_components = 3;
  writer.cinfo.in_color_space = JCS_YCbCr;
  jpeg_set_defaults(&writer.cinfo);
  jpeg_set_colorspace(&writer.cinfo, JCS_YCbCr);
  jpeg_set_quality(&writer.cinfo, spec.quality, TRUE);  // quality 0 is clamped to 1 by libjpeg
  writer.cinfo.raw_data_in = TRUE;
  writer.cinfo.comp_info[0].h_samp_factor = 2;
  writer.cinfo.comp_info[0].v_samp_factor = 2;
  for (int c = 1; c < 3; ++c) {
    writer.cinfo.comp_info[c].h_samp_factor = 1;
    writer.cinfo.comp_info[c].v_samp_factor = 1;
  }
  // The fast integer DCT: flat blocks lose nothing to it. Huffman tables stay the standard ones (no extra pass).
  writer.cinfo.dct_method = JDCT_IFAST;
  jpeg_start_compress(&writer.cinfo, TRUE);
  const int padded = picture.columns() * kCell;
  for (int cell_row = 0; cell_row < picture.rows(); ++cell_row) {
    picture.paint_cells(cell_row, writer.cells.get());
    spread_cells(writer.cells.get(), writer.y, kCell, padded, writer.planes[0].get());
    spread_cells(writer.cells.get(), writer.cb, kCell / 2, padded / 2, writer.planes[1].get());
    spread_cells(writer.cells.get(), writer.cr, kCell / 2, padded / 2, writer.planes[2].get());
    jpeg_write_raw_data(&writer.cinfo, writer.image, 2 * DCTSIZE);
  }
  jpeg_finish_compress(&writer.cinfo);
  return true;
}

std::string encode_jpeg(const ImageSpec& spec, const Picture& picture) {
  JpegWriter writer;
  jfif_ycbcr(picture.palette(), writer.y, writer.cb, writer.cr);
  const auto columns = static_cast<std::size_t>(picture.columns());
  writer.cells = std::make_unique<std::uint8_t[]>(columns);
  writer.planes[0] = std::make_unique<std::uint8_t[]>(columns * kCell);
  writer.planes[1] = std::make_unique<std::uint8_t[]>(columns * kCell / 2);
  writer.planes[2] = std::make_unique<std::uint8_t[]>(columns * kCell / 2);
  for (JSAMPROW& row : writer.luma_rows) row = writer.planes[0].get();
  for (JSAMPROW& row : writer.cb_rows) row = writer.planes[1].get();
  for (JSAMPROW& row : writer.cr_rows) row = writer.planes[2].get();
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
  if (!write_jpeg(writer, spec, picture)) throw std::runtime_error("jpeg encoder: " + writer.message());
  const std::size_t written = writer.destination.capacity - writer.destination.base.free_in_buffer;
  return std::string(reinterpret_cast<const char*>(writer.destination.data), written);
}

// ---------------------------------------------------------------------------------------------------------------
// WebP (a lossless VP8L bitstream written straight from the cells)
//
// libwebp's encoders cannot draw a fake 4K picture in 50 ms: the lossy one does fixed work on every 16 x 16
// macroblock whatever its content (~2.5 us each, 65,536 at 4K: ~160 ms at its fastest settings), the lossless one
// hashes every pixel to find repeats (~250 ms at 4K), and neither can be told what the picture already knows: that
// it is made of runs of equal cells. So the bitstream is written here, in the WebP lossless format (RFC 9649), from
// those runs: the first pixel row of a row of cells is, per run of equal cells, one literal pixel and one copy of
// the pixel to its left; the 15 rows below are copies of the row above. A few hundred symbols per row of cells,
// with fixed prefix codes (no statistics are gathered): ~0.5 ms at 4K. Any WebP decoder reads it (the tests decode
// it with libwebp, pixel for pixel equal to the PNG of the same spec). Being lossless, it ignores the quality, which
// the providers document for JPEG only.

// Bits, least significant first, as VP8L reads them.
class BitWriter {
 public:
  void put(std::uint32_t bits, int count) {  // count <= 32
    pending_ |= static_cast<std::uint64_t>(bits) << used_;
    used_ += count;
    while (used_ >= 8) {
      out_.push_back(static_cast<char>(pending_ & 0xFF));
      pending_ >>= 8;
      used_ -= 8;
    }
  }
  std::string finish() {
    if (used_ > 0) out_.push_back(static_cast<char>(pending_ & 0xFF));
    pending_ = 0;
    used_ = 0;
    return std::move(out_);
  }

 private:
  std::string out_;
  std::uint64_t pending_ = 0;
  int used_ = 0;
};

// A canonical prefix code (as in DEFLATE and VP8L: codes in order of length, then of symbol), with each code's
// bits reversed so that its first bit is written first. A code of one symbol takes no bits, as VP8L reads it.
struct PrefixCode {
  std::vector<std::uint16_t> bits;
  std::vector<std::uint8_t> length;

  explicit PrefixCode(std::vector<std::uint8_t> lengths) : bits(lengths.size()), length(std::move(lengths)) {
    std::array<int, 16> count{};
    for (const std::uint8_t l : length) ++count[l];
    count[0] = 0;
    std::array<int, 16> next{};
    for (int l = 1, code = 0; l < 16; ++l) {
      code = (code + count[static_cast<std::size_t>(l - 1)]) << 1;
      next[static_cast<std::size_t>(l)] = code;
    }
    int used = 0;
    for (std::size_t s = 0; s < length.size(); ++s) {
      if (length[s] == 0) continue;
      ++used;
      const int code = next[length[s]]++;
      int reversed = 0;
      for (int i = 0; i < length[s]; ++i) reversed |= (code >> i & 1) << (length[s] - 1 - i);
      bits[s] = static_cast<std::uint16_t>(reversed);
    }
    if (used == 1) std::fill(length.begin(), length.end(), std::uint8_t{0});
  }
  void put(BitWriter& out, int symbol) const {
    out.put(bits[static_cast<std::size_t>(symbol)], length[static_cast<std::size_t>(symbol)]);
  }
};

// Lengths of a complete prefix code over the first `used` of `alphabet` symbols (the others unused): with
// b = ceil(log2(used)), the first 2^b - used symbols take b - 1 bits and the rest b bits.
std::vector<std::uint8_t> complete_lengths(int alphabet, int used) {
  std::vector<std::uint8_t> lengths(static_cast<std::size_t>(alphabet), 0);
  if (used == 1) {
    lengths[0] = 1;
    return lengths;
  }
  int b = 0;
  while ((1 << b) < used) ++b;
  const int shorter = (1 << b) - used;
  for (int s = 0; s < used; ++s) {
    lengths[static_cast<std::size_t>(s)] = static_cast<std::uint8_t>(s < shorter ? b - 1 : b);
  }
  return lengths;
}

constexpr int kVp8lLiterals = 256;        // green (or red, blue, alpha) values
constexpr int kVp8lLengthCodes = 24;      // backward reference length prefixes, after the green literals
constexpr int kVp8lMaxCopy = 4096;        // the longest backward reference
constexpr int kVp8lCopyAbove = 0;         // distance code 1 (plane code (0, 1): the pixel one row up), as a prefix
constexpr int kVp8lCopyLeft = 1;          // distance code 2 (plane code (1, 0): the pixel to the left), as a prefix
constexpr std::array<int, 19> kCodeLengthOrder = {17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

// A "normal" prefix code's header: its code lengths, themselves coded by a complete code over the lengths used.
void put_code_lengths(BitWriter& out, const std::vector<std::uint8_t>& lengths) {
  std::array<bool, 16> seen{};
  for (const std::uint8_t l : lengths) seen[l] = true;
  std::vector<int> values;
  for (int l = 0; l < 16; ++l) {
    if (seen[static_cast<std::size_t>(l)]) values.push_back(l);
  }
  const int distinct = static_cast<int>(values.size());
  const std::vector<std::uint8_t> ranks = complete_lengths(distinct, distinct);
  std::vector<std::uint8_t> length_code(kCodeLengthOrder.size(), 0);
  for (std::size_t i = 0; i < values.size(); ++i) length_code[static_cast<std::size_t>(values[i])] = ranks[i];
  std::size_t sent = 4;
  for (std::size_t i = 0; i < kCodeLengthOrder.size(); ++i) {
    if (length_code[static_cast<std::size_t>(kCodeLengthOrder[i])] != 0) sent = std::max(sent, i + 1);
  }
  out.put(0, 1);  // not a "simple" code
  out.put(static_cast<std::uint32_t>(sent - 4), 4);
  for (std::size_t i = 0; i < sent; ++i) out.put(length_code[static_cast<std::size_t>(kCodeLengthOrder[i])], 3);
  out.put(0, 1);  // every symbol's length follows
  const PrefixCode code(std::move(length_code));
  for (const std::uint8_t l : lengths) code.put(out, l);
}

// VP8L's prefix coding of a length or distance code: a prefix symbol and its extra bits.
struct Prefixed {
  int symbol, extra_bits, extra;
};
Prefixed vp8l_prefix(int value) {  // value >= 1
  const int d = value - 1;
  if (d < 4) return {d, 0, 0};
  int high = 0;
  while ((d >> (high + 1)) != 0) ++high;  // floor(log2(d)) >= 2
  const int second = d >> (high - 1) & 1;
  return {2 * high + second, high - 1, d & ((1 << (high - 1)) - 1)};
}

// The image's codes: every green value and length prefix, every red and blue value (none is left out, so nothing
// needs counting first).
struct Vp8lCodes {
  static constexpr int kGreenAlphabet = kVp8lLiterals + kVp8lLengthCodes;
  std::vector<std::uint8_t> green_lengths = complete_lengths(kGreenAlphabet, kGreenAlphabet);
  std::vector<std::uint8_t> channel_lengths = complete_lengths(kVp8lLiterals, kVp8lLiterals);  // red and blue
  PrefixCode green{green_lengths};
  PrefixCode channel{channel_lengths};
};

void put_literal(BitWriter& out, const Vp8lCodes& codes, const Rgb& c) {
  codes.green.put(out, c.g);
  codes.channel.put(out, c.r);
  codes.channel.put(out, c.b);  // alpha: a one-symbol code (255), no bits
}

void put_copies(BitWriter& out, const Vp8lCodes& codes, int distance_prefix, std::int64_t pixels) {
  while (pixels > 0) {
    const int length = static_cast<int>(std::min<std::int64_t>(pixels, kVp8lMaxCopy));
    const Prefixed p = vp8l_prefix(length);
    codes.green.put(out, kVp8lLiterals + p.symbol);
    out.put(static_cast<std::uint32_t>(p.extra), p.extra_bits);
    out.put(static_cast<std::uint32_t>(distance_prefix), 1);  // the two-symbol distance code: one bit
    pixels -= length;
  }
}

std::string encode_webp(const ImageSpec& spec, const Picture& picture) {
  static const Vp8lCodes codes;
  BitWriter out;
  out.put(0x2f, 8);  // VP8L signature
  out.put(static_cast<std::uint32_t>(spec.width - 1), 14);
  out.put(static_cast<std::uint32_t>(spec.height - 1), 14);
  out.put(0, 1);  // alpha unused (every pixel opaque)
  out.put(0, 3);  // version 0
  out.put(0, 1);  // no transform
  out.put(0, 1);  // no colour cache
  out.put(0, 1);  // one prefix code group for the whole image
  put_code_lengths(out, codes.green_lengths);
  put_code_lengths(out, codes.channel_lengths);  // red
  put_code_lengths(out, codes.channel_lengths);  // blue
  out.put(1, 1);     // alpha: a simple code
  out.put(0, 1);     // of one symbol
  out.put(1, 1);     // written in 8 bits
  out.put(255, 8);   // opaque
  out.put(1, 1);     // distance: a simple code
  out.put(1, 1);     // of two symbols
  out.put(0, 1);     // the first written in 1 bit
  out.put(kVp8lCopyAbove, 1);
  out.put(kVp8lCopyLeft, 8);

  const auto cells = std::make_unique<std::uint8_t[]>(static_cast<std::size_t>(picture.columns()));
  const std::vector<Rgb>& palette = picture.palette();
  for (int cell_row = 0; cell_row < picture.rows(); ++cell_row) {
    picture.paint_cells(cell_row, cells.get());
    const std::uint8_t* const row = cells.get();
    for (int c = 0; c < picture.columns();) {
      int end = c + 1;
      while (end < picture.columns() && row[end] == row[c]) ++end;
      put_literal(out, codes, palette[row[c]]);
      put_copies(out, codes, kVp8lCopyLeft, std::min(spec.width, end * kCell) - c * kCell - 1);
      c = end;
    }
    const int rows = std::min(kCell, spec.height - cell_row * kCell);
    put_copies(out, codes, kVp8lCopyAbove, static_cast<std::int64_t>(rows - 1) * spec.width);
  }
  const std::string bitstream = out.finish();

  auto le32 = [](std::string& s, std::size_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>(v >> (8 * i) & 0xFF));
  };
  const std::size_t padded = bitstream.size() + (bitstream.size() & 1);
  std::string file;
  file.reserve(20 + padded);
  file += "RIFF";
  le32(file, 4 + 8 + padded);
  file += "WEBPVP8L";
  le32(file, bitstream.size());
  file += bitstream;
  if (bitstream.size() & 1) file.push_back('\0');
  return file;
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
  const Picture picture(spec);
  switch (spec.format) {
    case Format::png: return encode_png(spec, picture);
    case Format::jpeg: return encode_jpeg(spec, picture);
    case Format::webp: return encode_webp(spec, picture);
  }
  throw std::invalid_argument("unknown image format " + std::to_string(static_cast<int>(spec.format)));
}

}  // namespace nanosim::images
