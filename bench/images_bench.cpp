// Render and decode times for every format at the sizes the providers use. Run a Release build:
//   images_bench [repetitions]   (default 3; prints the best time of the repetitions)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "nanosim/images.hpp"

namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
double best_ms(int repetitions, F&& work) {
  double best = std::numeric_limits<double>::max();
  for (int i = 0; i < repetitions; ++i) {
    const auto start = Clock::now();
    work();
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  namespace img = nanosim::images;
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  struct Size {
    int width, height;
  };
  const Size sizes[] = {{1024, 1024}, {1376, 768}, {8192, 2048}, {12288, 1536}, {6336, 2688}, {5504, 3072}};
  std::printf("%-6s %-12s %12s %12s %12s\n", "format", "size", "render ms", "decode ms", "bytes");
  for (const img::Format format : {img::Format::png, img::Format::jpeg, img::Format::webp}) {
    for (const Size size : sizes) {
      const img::ImageSpec spec{size.width, size.height, format, 90, 42};
      std::string bytes;
      const double render_ms = best_ms(repetitions, [&] { bytes = img::render(spec); });
      bool decoded = true;
      const double decode_ms = best_ms(repetitions, [&] { decoded = decoded && img::decode(bytes).has_value(); });
      if (!decoded) {
        std::fprintf(stderr, "decode failed for %s %dx%d\n", img::to_string(format).data(), size.width, size.height);
        return 1;
      }
      char label[32];
      std::snprintf(label, sizeof label, "%dx%d", size.width, size.height);
      std::printf("%-6s %-12s %12.1f %12.1f %12zu\n", img::to_string(format).data(), label, render_ms, decode_ms,
                  bytes.size());
    }
  }
  return 0;
}
