#!/bin/bash
# verify-mirror.sh MIRROR_DIR RUN_IMAGE
# Extracts every archive of the mirror into a fresh directory inside a container of the (minimal,
# compiler-less) run image, imports the modules that need bundled shared libraries, and makes a
# venv with pip (ensurepip from the bundled wheel).
set -euo pipefail
dir=$1 image=$2
podman run --rm --network none -v "$dir:/mirror:ro" "$image" bash -euo pipefail -c '
for a in /mirror/*.tar.gz; do
  d=$(mktemp -d)
  tar -xzf "$a" -C "$d"
  test "$(ls "$d")" = python
  before=$(find "$d/python" -name "*.pyc" | wc -l)
  # every stdlib pyc is hash-checked (flags 3 in the header), not mtime-based like the ones
  # Python writes on import: the lifecycle resets layer mtimes, which would make those stale
  if find "$d/python/lib" -name "*.pyc" -exec head -q -c 8 {} + 2>/dev/null | od -An -tx1 -w8 -v | awk "{print \$5}" | grep -qv 03; then
    echo "verify-mirror: $(basename "$a") has timestamp-based .pyc files" >&2; exit 1
  fi
  "$d/python/bin/python3" -c "import ssl, sqlite3, ctypes, lzma, bz2, zlib, readline, hashlib, uuid, decimal, json, venv, ensurepip, termios, tty, pyexpat; print(\"verify-mirror:\", \"'"\$(basename \$a)"'\".split(\"-install\")[0], ssl.OPENSSL_VERSION, \"sqlite\", sqlite3.sqlite_version)"
  after=$(find "$d/python" -name "*.pyc" | wc -l)
  if [ "$before" != "$after" ]; then echo "verify-mirror: importing wrote bytecode into the tree ($before -> $after .pyc)" >&2; exit 1; fi
  # pip in the base install is optional (Debian builds carry only the wheel for ensurepip)
  if [ -e "$d/python/bin/pip3" ]; then "$d/python/bin/pip3" --version >/dev/null; fi
  # a venv with pip from the bundled wheel (ensurepip), as users make them
  "$d/python/bin/python3" -m venv "$d/venv" && "$d/venv/bin/python" -c "import ssl"
  "$d/venv/bin/python" -m pip --version
  rm -rf "$d"
done'
