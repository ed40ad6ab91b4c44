#!/bin/bash
# build.sh CACHE_DIR MIRROR_DIR CA_BUNDLE PYTHON_VERSION UV_VERSION HOST_PYTHON
# Makes the bench's images: localhost/bench/python:3.12-slim (like python:3.12-slim, with the
# mirror's CPython) and localhost/bench/uv:<version> (the uv binary from its PyPI wheel).
# Rebuilt only when their recipe changes (label io.pybuildpack.recipe).
set -euo pipefail
cache=$1 mirror=$2 ca=$3 pyver=$4 uvver=$5 hostpy=$6
here=$(cd "$(dirname "$0")" && pwd)
# The rootfs image that integration/tools/build-images.sh imports (same key).
rootfs_key=$(printf 'debootstrap --variant=minbase --arch=amd64 %s %s v1' bookworm http://deb.debian.org/debian | sha256sum | cut -c1-12)
base=localhost/pybuildpack/rootfs:$rootfs_key
podman image exists "$base" || { echo "bench-images: $base is missing: run make images" >&2; exit 1; }
label() { podman image inspect --format '{{ index .Labels "io.pybuildpack.recipe" }}' "$1" 2>/dev/null || true; }

archive=$(ls "$mirror"/cpython-"$pyver"+*-x86_64-unknown-linux-gnu-install_only*.tar.gz | head -1)
python_image=localhost/bench/python:3.12-slim
recipe=$( (echo "$base $pyver"; sha256sum "$archive" "$ca"; cat "$here/Containerfile.python-slim" "$0") | sha256sum | cut -c1-16)
if [[ "$(label $python_image)" != "$recipe" ]]; then
  ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
  cp "$archive" "$ctx/cpython.tar.gz"; cp "$ca" "$ctx/ca-certificates.crt"
  podman build --quiet --squash-all --network host --build-arg BASE="$base" --build-arg RECIPE="$recipe" \
    --build-arg PYTHON_VERSION="$pyver" -f "$here/Containerfile.python-slim" -t $python_image "$ctx" >/dev/null
  echo "bench-images: $python_image ($(podman image inspect --format '{{.Size}}' $python_image) bytes)"
else
  echo "bench-images: $python_image is current"
fi

uv_image=localhost/bench/uv:$uvver
recipe=$( (echo "$uvver"; cat "$here/Containerfile.uv" "$0") | sha256sum | cut -c1-16)
if [[ "$(label "$uv_image")" != "$recipe" ]]; then
  wheels=$cache/bench/uv-$uvver
  if [[ ! -f $wheels/uv ]]; then
    rm -rf "$wheels.tmp" && mkdir -p "$wheels.tmp"
    "$hostpy" -m pip download --quiet --no-deps --only-binary :all: --platform manylinux_2_17_x86_64 \
      --python-version 3.12 -d "$wheels.tmp" "uv==$uvver"
    "$hostpy" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); n = [m for m in z.namelist() if m.endswith("/scripts/uv")][0]; open(sys.argv[2], "wb").write(z.read(n))' \
      "$(ls "$wheels.tmp"/uv-*.whl)" "$wheels.tmp/uv"
    chmod 755 "$wheels.tmp/uv"
    rm -rf "$wheels" && mv "$wheels.tmp" "$wheels"
  fi
  ctx=$(mktemp -d); cp "$wheels/uv" "$ctx/uv"
  podman build --quiet --build-arg RECIPE="$recipe" -f "$here/Containerfile.uv" -t "$uv_image" "$ctx" >/dev/null
  rm -rf "$ctx"
  echo "bench-images: $uv_image"
else
  echo "bench-images: $uv_image is current"
fi
