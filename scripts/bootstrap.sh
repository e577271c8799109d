#!/usr/bin/env bash
# Installs everything polypipe needs on a fresh Debian 12 machine; safe to run again.
#   - Debian packages (compilers, libraries, test tools) through apt-get.
#   - DuckDB 1.4.4 (libduckdb.so + duckdb.h) from the npm registry into third_party/duckdb,
#     verified against pinned SHA-256 checksums.
# Run as root, or as a user with sudo.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
third_party="$root/third_party"

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl python3
  clang clang-format libclang-rt-14-dev llvm
  libcurl4-openssl-dev libsimdjson-dev nlohmann-json3-dev libcli11-dev
  libspdlog-dev libfmt-dev libcpp-httplib-dev libjemalloc-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs npm
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "bootstrap: need root (or sudo) to run: $*" >&2; exit 1
  fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come from outside Debian (e.g. a Node.js install); accept any working npm.
if command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]:-}"
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# DuckDB: pinned npm tarballs and their SHA-256 checksums.
duck_lib_pkg="@duckdb/node-bindings-linux-x64@1.4.4-r.4"
duck_lib_tgz="duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz"
duck_lib_sha="732fac4dc6b8f198870b9c4bb6ddf13544466daca00ad28ba2f1d80de5d7aa4b"
duck_src_pkg="duckdb@1.4.4"
duck_src_tgz="duckdb-1.4.4.tgz"
duck_src_sha="5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed"

duck="$third_party/duckdb"
stamp="$duck/.installed"
want="$duck_lib_sha $duck_src_sha"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
   [ -f "$duck/lib/libduckdb.so" ] && [ -f "$duck/include/duckdb.h" ]; then
  exit 0
fi

echo "bootstrap: fetching DuckDB 1.4.4 through npm"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$duck_lib_pkg" "$duck_src_pkg" >/dev/null)
check() {
  local got
  got=$(sha256sum "$tmp/$1" | cut -d' ' -f1)
  if [ "$got" != "$2" ]; then
    echo "bootstrap: checksum mismatch for $1: got $got, want $2" >&2
    exit 1
  fi
}
check "$duck_lib_tgz" "$duck_lib_sha"
check "$duck_src_tgz" "$duck_src_sha"
rm -rf "$duck"
mkdir -p "$duck/lib" "$duck/include"
tar -xzf "$tmp/$duck_lib_tgz" -C "$tmp" package/libduckdb.so
mv "$tmp/package/libduckdb.so" "$duck/lib/"
tar -xzf "$tmp/$duck_src_tgz" -C "$tmp" package/src/duckdb/src/include/duckdb.h
mv "$tmp/package/src/duckdb/src/include/duckdb.h" "$duck/include/"
echo "$want" >"$stamp"
echo "bootstrap: DuckDB installed in $duck"
