#!/usr/bin/env bash
# Proves the package works outside the source tree:
#   1. installs the dev build into a temporary prefix, configures examples/consumer against it (find_package) and
#      runs its tests (Catch2 through the test kit, plain CTest, the installed program), with the checkout hidden
#      from the test kit (it must read the installed fixtures);
#   2. builds the Debian package with CPack from the release tree (optimised, as users run it), installs it with apt
#      (dpkg underneath), checks that `nanosim serve` from /usr/bin answers on a free port, and removes the package.
# Needs the dev tree (./scripts/test.sh builds it); builds only the installed targets of either tree when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
work="$(mktemp -d /tmp/nanosim-package.XXXXXX)"
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cmake --preset dev >/dev/null
cmake --build --preset dev --target nanosim nanosim_testkit -- -j"$(nproc)"

echo "check-package: install into $work/prefix and build examples/consumer against it"
cmake --install build/dev --prefix "$work/prefix" >/dev/null
# Private dependencies stay private: no valijson or RapidJSON, no warnings target for consumers.
if grep -Eiq 'valijson|rapidjson|nanosim_warnings' "$work"/prefix/lib/cmake/nanosim/*.cmake; then
  echo "check-package: the installed CMake package names a private dependency"; exit 1
fi
cmake -S examples/consumer -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer"
(cd "$work/consumer" && env -u NANOSIM_FIXTURES ctest --output-on-failure)

echo "check-package: the Debian package, from the release tree"
[[ -f build/release/CMakeCache.txt ]] ||  # configured as serve.sh does
  cmake --preset release -DNANOSIM_BUILD_TESTS=OFF -DNANOSIM_BUILD_BENCH=OFF -DCMAKE_UNITY_BUILD=ON \
        -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 >/dev/null
cmake --build --preset release --target nanosim nanosim_testkit -- -j"$(nproc)"
(cd build/release && cpack -G DEB -B "$work/deb" >/dev/null)
deb="$(ls "$work"/deb/nanosim_*.deb)"
dpkg-deb --contents "$deb" > "$work/deb-contents.txt"
for file in ./usr/bin/nanosim ./usr/lib/cmake/nanosim/nanosimConfig.cmake ./usr/include/nanosim/simulator.hpp \
            ./usr/lib/libnanosim_simulator.a ./usr/share/nanosim/fixtures/scenarios/scenario.schema.json \
            ./usr/share/nanosim/contracts/providers/gemini.json; do
  grep -q " $file\$" "$work/deb-contents.txt" || { echo "check-package: the .deb lacks $file"; exit 1; }
done
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends "$deb" >/dev/null
trap '"${sudo_cmd[@]}" dpkg -r nanosim >/dev/null 2>&1 || true; cleanup' EXIT
/usr/bin/nanosim --version
/usr/bin/nanosim serve --port 0 --clock manual --quiet > "$work/serve.out" &
pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.out" && break; sleep 0.1; done
url="$(sed -n 's/^nanosim listening on //p' "$work/serve.out")"
[[ -n "$url" ]] || { echo "check-package: nanosim serve did not start"; cat "$work/serve.out"; exit 1; }
health="$(python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/__nanosim/health").read().decode())' "$url")"
echo "$health" | grep -q '"providers"' || { echo "check-package: unexpected health answer: $health"; exit 1; }
echo "check-package: the installed nanosim serve answers at $url"
kill "$pid"; wait "$pid" || true; pid=""
echo "check-package: OK"
