#!/bin/bash
# build-images.sh SUITE CACHE_DIR BUILD_IMAGE RUN_IMAGE
# Makes the Debian build and run images of SUITE (bookworm = 12, trixie = 13) from a
# debootstrap --variant=minbase rootfs.
# The rootfs tarball is cached under CACHE_DIR/rootfs/<key>/; the images carry a recipe hash
# label and are rebuilt only when the recipe (this script, the Containerfiles) changes.
set -euo pipefail
suite=$1 cache=$2 build_image=$3 run_image=$4
here=$(cd "$(dirname "$0")/.." && pwd)
mirror=http://deb.debian.org/debian
case $suite in
  bookworm) version=12 ;;
  trixie) version=13 ;;
  *) echo "build-images: unknown suite $suite" >&2; exit 2 ;;
esac
rootfs_key=$(printf 'debootstrap --variant=minbase --arch=amd64 %s %s v1' "$suite" "$mirror" | sha256sum | cut -c1-12)
rootfs_tar=$cache/rootfs/$rootfs_key/rootfs.tar
recipe=$( (echo "$rootfs_key $suite $version"; cat "$here/images/Containerfile.build" "$here/images/Containerfile.run" "$0") | sha256sum | cut -c1-16)
base_image=localhost/pybuildpack/rootfs:$rootfs_key

label() { podman image inspect --format '{{ index .Labels "io.pybuildpack.recipe" }}' "$1" 2>/dev/null || true; }
if [[ "$(label "$build_image")" == "$recipe" && "$(label "$run_image")" == "$recipe" ]]; then
  echo "build-images: $build_image and $run_image are current (recipe $recipe)"
  exit 0
fi

if [[ ! -f $rootfs_tar ]]; then
  echo "build-images: debootstrap $suite (minbase) -> $rootfs_tar"
  t0=$SECONDS
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase --arch=amd64 "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  mkdir -p "$(dirname "$rootfs_tar")"
  tar -C "$work/rootfs" --numeric-owner -cf "$rootfs_tar.tmp" .
  mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$work"
  echo "build-images: debootstrap took $((SECONDS - t0))s"
fi
if ! podman image exists "$base_image"; then
  podman import --change 'CMD ["/bin/bash"]' "$rootfs_tar" "$base_image" >/dev/null
fi
t0=$SECONDS
for kind in build run; do
  image=$build_image; [[ $kind == run ]] && image=$run_image
  # --squash-all: one layer, so files deleted by the recipe do not still weigh in the base.
  podman build --quiet --squash-all --network host --build-arg BASE="$base_image" --build-arg RECIPE="$recipe" \
    --build-arg SUITE="$suite" --build-arg DISTRO_VERSION="$version" \
    -f "$here/images/Containerfile.$kind" -t "$image" "$here/images" >"$cache/rootfs/podman-build-$suite-$kind.log" 2>&1 \
    || { tail -40 "$cache/rootfs/podman-build-$suite-$kind.log" >&2; exit 1; }
  echo "build-images: $image ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
done
echo "build-images: images took $((SECONDS - t0))s"
