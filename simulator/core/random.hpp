#pragma once
// Deterministic randomness: every draw is a pure function of (seed, stream, index), so which job gets which
// run time does not depend on what else was drawn before. Same on every platform (no std distributions).

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace nanosim::core {

/// SplitMix64 finaliser: a good 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// FNV-1a over bytes, then mixed.
constexpr std::uint64_t hash_text(std::string_view text, std::uint64_t basis = 0xcbf29ce484222325ULL) {
  std::uint64_t h = basis;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

constexpr std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b) { return mix64(a ^ mix64(b)); }

/// A small deterministic generator (SplitMix64 stream).
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() { return mix64(state_++); }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Standard normal (Box-Muller).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  /// Log-normal with the given median and sigma (of the underlying normal).
  double lognormal(double median, double sigma) { return median * std::exp(sigma * normal()); }
  /// Uniform integer in [0, bound).
  std::uint64_t below(std::uint64_t bound) { return bound == 0 ? 0 : next() % bound; }

 private:
  std::uint64_t state_;
};

/// `length` characters of Crockford base32 (lowercase) drawn from the generator: ULID-like ids.
std::string random_token(Random& random, std::size_t length);

}  // namespace nanosim::core
