// The rendered-image cache: bounded in bytes, least recently used evicted first, thread-safe.

#include <catch2/catch.hpp>

#include <stdexcept>
#include <thread>
#include <vector>

#include "nanosim/images.hpp"

using nanosim::images::Cache;
using nanosim::images::Format;
using nanosim::images::ImageSpec;
using nanosim::images::render;

namespace {
const ImageSpec kA{64, 64, Format::png, 90, 1};
const ImageSpec kB{64, 64, Format::png, 90, 2};
const ImageSpec kC{64, 64, Format::png, 90, 3};
}  // namespace

TEST_CASE("A cache hit returns the same pointer as the first render", "[unit][images]") {
  Cache cache;
  const auto first = cache.get(kA);
  const auto second = cache.get(kA);
  CHECK(first == second);
  CHECK(*first == render(kA));
  CHECK(cache.size_bytes() == first->size());
}

TEST_CASE("Specs that differ in any field are cached apart", "[unit][images]") {
  Cache cache;
  const auto base = cache.get(kA);
  for (const ImageSpec& other : {ImageSpec{65, 64, Format::png, 90, 1}, ImageSpec{64, 65, Format::png, 90, 1},
                                 ImageSpec{64, 64, Format::jpeg, 90, 1}, ImageSpec{64, 64, Format::png, 89, 1},
                                 ImageSpec{64, 64, Format::png, 90, 2}}) {
    CHECK(cache.get(other) != base);
  }
  CHECK(cache.get(kA) == base);
}

TEST_CASE("The least recently used image is evicted when the bytes exceed the capacity", "[unit][images]") {
  const std::size_t a = render(kA).size(), b = render(kB).size(), c = render(kC).size();
  Cache cache(a + std::max(b, c));  // room for A and one of B, C
  const auto first_a = cache.get(kA);
  const auto first_b = cache.get(kB);
  CHECK(cache.size_bytes() == a + b);
  CHECK(cache.get(kA) == first_a);  // A is now the most recently used
  const auto first_c = cache.get(kC);  // evicts B
  CHECK(cache.size_bytes() == a + c);
  CHECK(cache.get(kA) == first_a);
  CHECK(cache.get(kC) == first_c);
  const auto second_b = cache.get(kB);  // re-rendered: same bytes, new pointer; evicts A (least recent now)
  CHECK(second_b != first_b);
  CHECK(*second_b == *first_b);
  CHECK(cache.size_bytes() <= a + std::max(b, c));
}

TEST_CASE("An image larger than the whole capacity is returned but not kept", "[unit][images]") {
  Cache cache(16);
  const auto first = cache.get(kA);
  CHECK(*first == render(kA));
  CHECK(cache.size_bytes() == 0);
  CHECK(cache.get(kA) != first);
}

TEST_CASE("A cache with zero capacity keeps nothing", "[unit][images]") {
  Cache cache(0);
  CHECK(*cache.get(kA) == render(kA));
  CHECK(cache.size_bytes() == 0);
}

TEST_CASE("Clearing the cache drops every image", "[unit][images]") {
  Cache cache;
  const auto first = cache.get(kA);
  cache.get(kB);
  cache.clear();
  CHECK(cache.size_bytes() == 0);
  CHECK(cache.get(kA) != first);
}

TEST_CASE("A bad spec throws from the cache and changes nothing", "[unit][images]") {
  Cache cache;
  const auto first = cache.get(kA);
  const std::size_t before = cache.size_bytes();
  CHECK_THROWS_AS(cache.get(ImageSpec{0, 64, Format::png, 90, 1}), std::invalid_argument);
  CHECK_THROWS_AS(cache.get(ImageSpec{64, 64, Format::jpeg, 101, 1}), std::invalid_argument);
  CHECK(cache.size_bytes() == before);
  CHECK(cache.get(kA) == first);
}

TEST_CASE("Many threads sharing a cache all get the right bytes and it stays within capacity", "[unit][images]") {
  std::vector<ImageSpec> specs;
  for (std::uint64_t seed = 0; seed < 6; ++seed) specs.push_back({48, 32, seed % 2 ? Format::jpeg : Format::png, 80, seed});
  std::vector<std::string> expected;
  std::size_t largest = 0;
  for (const auto& spec : specs) {
    expected.push_back(render(spec));
    largest = std::max(largest, expected.back().size());
  }
  const std::size_t capacity = 3 * largest;  // about half the specs fit: hits, misses and evictions all happen
  Cache cache(capacity);
  std::vector<int> wrong(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::size_t k = static_cast<std::size_t>(t * 7 + i * 5) % specs.size();
        if (*cache.get(specs[k]) != expected[k]) ++wrong[static_cast<std::size_t>(t)];
        if (cache.size_bytes() > capacity) ++wrong[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int count : wrong) CHECK(count == 0);
}
