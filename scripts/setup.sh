#!/usr/bin/env bash
# Installs everything nanosim needs on Debian 12 (bookworm). Idempotent: installs only what is missing.
# --no-npm: system packages only. --serve: only what building and running the program needs (scripts/serve.sh):
# no test framework, benchmark library, clang (sanitizers, fuzzing), pytest, Node or npm package.
set -euo pipefail
with_npm=1
serve_only=0
[[ "${1:-}" == --no-npm ]] && with_npm=0
[[ "${1:-}" == --serve ]] && with_npm=0 && serve_only=1

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libcpp-httplib-dev nlohmann-json3-dev libvalijson-dev rapidjson-dev libcli11-dev libre2-dev
  libpng-dev libjpeg62-turbo-dev libwebp-dev zlib1g-dev
)
((serve_only)) || packages+=(catch2 librapidcheck-dev libbenchmark-dev clang libclang-rt-dev python3-pytest nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm may come from outside Debian's packages; a working `node` + `npm` is enough.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: system packages present"
fi

# The official SDKs the SDK checks run (tests/sdk) and the OpenAPI linters (tests/openapi): installed from their lock
# files, again only when a lock file changed.
for sdk_dir in "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"/tests/{sdk,openapi}; do
  if ((with_npm)) && [[ -f "$sdk_dir/package-lock.json" ]] && command -v npm >/dev/null 2>&1; then
    stamp="$sdk_dir/node_modules/.nanosim-lock.sha256"
    wanted="$(sha256sum "$sdk_dir/package-lock.json" | cut -d' ' -f1)"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
      echo "setup: installing the npm packages of ${sdk_dir##*/tests/} (npm ci)"
      (cd "$sdk_dir" && npm ci --no-audit --no-fund --loglevel=error)
      echo "$wanted" > "$stamp"
    else
      echo "setup: npm packages of ${sdk_dir##*/tests/} present"
    fi
  fi
done
