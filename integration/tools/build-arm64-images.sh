#!/bin/bash
# build-arm64-images.sh CACHE_DIR BUILD_IMAGE RUN_IMAGE
# Makes the arm64 Debian 12 build and run images: a debootstrap --variant=minbase --arch=arm64
# rootfs (second stage run under qemu user-mode emulation, see ensure-arm64-emulation.sh),
# imported as an arm64 image, then the same Containerfiles as the amd64 images (same labels,
# users, env), built under emulation. The build image also gets g++ (C++ sdists) and gpgv
# where the shared Containerfile does not install them yet.
# Cached like build-images.sh: the rootfs tarball under CACHE_DIR/rootfs/<key>/, the images
# carry a recipe label and are rebuilt only when the recipe changes.
set -euo pipefail
cache=$1 build_image=$2 run_image=$3
here=$(cd "$(dirname "$0")/.." && pwd)
arch=arm64 suite=bookworm distro_version=12 mirror=http://deb.debian.org/debian
rootfs_key=$(printf 'debootstrap --variant=minbase --arch=%s %s %s v1' "$arch" "$suite" "$mirror" | sha256sum | cut -c1-12)
rootfs_tar=$cache/rootfs/$rootfs_key/rootfs.tar
recipe=$( (echo "$rootfs_key"; cat "$here/images/Containerfile.build" "$here/images/Containerfile.run" "$0") | sha256sum | cut -c1-16)
base_image=localhost/pybuildpack/rootfs:$rootfs_key

label() { podman image inspect --format '{{ index .Labels "io.pybuildpack.recipe" }}' "$1" 2>/dev/null || true; }
if [[ "$(label "$build_image")" == "$recipe" && "$(label "$run_image")" == "$recipe" ]]; then
  echo "build-arm64-images: $build_image and $run_image are current (recipe $recipe)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ ! -f $rootfs_tar ]]; then
  echo "build-arm64-images: debootstrap --arch=$arch $suite (minbase, second stage emulated) -> $rootfs_tar"
  t0=$SECONDS
  nice -n 10 debootstrap --variant=minbase --arch=$arch "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  mkdir -p "$(dirname "$rootfs_tar")"
  tar -C "$work/rootfs" --numeric-owner -cf "$rootfs_tar.tmp" .
  mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$work/rootfs"
  echo "build-arm64-images: debootstrap took $((SECONDS - t0))s"
fi
if ! podman image exists "$base_image"; then
  podman import --arch "$arch" --change 'CMD ["/bin/bash"]' "$rootfs_tar" "$base_image" >/dev/null
fi
# The amd64 Containerfiles, with g++ and gpgv added to the build image's apt-get install line
# when it does not have them.
sed -E -e '/apt-get install/{/ g\+\+ /!s/ gcc / gcc g++ /}' -e '/apt-get install/{/ gpgv/!s/ git;/ git gpgv;/}' \
  "$here/images/Containerfile.build" >"$work/Containerfile.build"
cp "$here/images/Containerfile.run" "$work/Containerfile.run"
t0=$SECONDS
for kind in build run; do
  image=$build_image; [[ $kind == run ]] && image=$run_image
  nice -n 10 podman build --quiet --squash-all --network host --arch "$arch" --build-arg BASE="$base_image" \
    --build-arg RECIPE="$recipe" --build-arg SUITE="$suite" --build-arg DISTRO_VERSION="$distro_version" \
    -f "$work/Containerfile.$kind" -t "$image" "$work" >"$cache/rootfs/podman-build-$arch-$kind.log" 2>&1 \
    || { tail -40 "$cache/rootfs/podman-build-$arch-$kind.log" >&2; exit 1; }
  echo "build-arm64-images: $image ($(podman image inspect --format '{{.Architecture}} {{.Size}}' "$image") bytes)"
done
echo "build-arm64-images: images took $((SECONDS - t0))s"
