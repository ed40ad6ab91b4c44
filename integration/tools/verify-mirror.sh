#!/bin/bash
# verify-mirror.sh MIRROR_DIR RUN_IMAGE
# Extracts every archive of the mirror into a fresh directory inside a container of the (minimal,
# compiler-less) run image and imports the modules that need bundled shared libraries.
set -euo pipefail
dir=$1 image=$2
podman run --rm --network none -v "$dir:/mirror:ro" "$image" bash -euo pipefail -c '
for a in /mirror/*.tar.gz; do
  d=$(mktemp -d)
  tar -xzf "$a" -C "$d"
  test "$(ls "$d")" = python
  "$d/python/bin/python3" -c "import ssl, sqlite3, ctypes, lzma, bz2, zlib, readline, hashlib, uuid, decimal, json, venv, ensurepip; print(\"verify-mirror:\", \"'"\$(basename \$a)"'\".split(\"-install\")[0], ssl.OPENSSL_VERSION, \"sqlite\", sqlite3.sqlite_version)"
  "$d/python/bin/pip3" --version >/dev/null
  "$d/python/bin/python3" -m venv "$d/venv" && "$d/venv/bin/python" -c "import ssl"
  rm -rf "$d"
done'
