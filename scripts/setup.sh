#!/usr/bin/env bash
# Installs everything nanosim needs on Debian 12 (bookworm). Idempotent: installs only what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libcpp-httplib-dev nlohmann-json3-dev catch2 librapidcheck-dev libvalijson-dev
  libpng-dev libjpeg62-turbo-dev libwebp-dev zlib1g-dev
  nodejs npm
)

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

# The SDK checks' packages (tests/sdk), exactly as package-lock.json pins them; again only when missing or stale.
sdk_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/sdk"
installed_lock="$sdk_dir/node_modules/.package-lock.json"
if [[ ! -f "$installed_lock" || "$sdk_dir/package-lock.json" -nt "$installed_lock" || "$sdk_dir/package.json" -nt "$installed_lock" ]]; then
  echo "setup: npm ci in tests/sdk"
  (cd "$sdk_dir" && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "setup: SDK check packages present"
fi
