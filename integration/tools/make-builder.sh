#!/bin/bash
# make-builder.sh TEMPLATE OUT_TOML BUILDER_IMAGE BUILDPACK_DIR BUILDPACK_ID LIFECYCLE_TGZ BUILD_IMAGE RUN_IMAGE STAMP_DIR [DISTRO_VERSION SUITE]
# Renders builder.toml and runs `pack builder create` (against $DOCKER_HOST, no pulls) unless a
# builder made from the same inputs (template, buildpack files, lifecycle, images) exists.
# A buildpack *directory* is staged first (the same files `make package` ships: bin/,
# buildpack.toml, pybuildpack/, runtime/, locks/, README.md), so the builder does not carry the
# checkout's .git, build/, tests or caches.
set -euo pipefail
tmpl=$1 out=$2 builder=$3 bp=$4 bp_id=$5 lc=$6 build_image=$7 run_image=$8 stamps=$9
distro_version=${10:-12} suite=${11:-bookworm}
: "${PACK:?}" "${DOCKER_HOST:?}"
if [[ -d $bp ]]; then
  stage=$stamps/buildpack
  rm -rf "$stage.tmp" && mkdir -p "$stage.tmp"
  files=()
  for f in bin buildpack.toml pybuildpack runtime locks README.md LICENSE; do [[ -e $bp/$f ]] && files+=("$f"); done
  tar -C "$bp" -cf - "${files[@]}" | tar -C "$stage.tmp" -xf -
  if [[ -d $stage.tmp/pybuildpack ]]; then
    find "$stage.tmp/pybuildpack" -name __pycache__ -prune -exec rm -rf {} +
  fi
  # the checkout's own byte-code is timestamp-based (stale once pack sets file times to 1980):
  # replaced by unchecked-hash .pyc, as `make package` does (runtime/ comes compiled that way)
  # (only when that runtime runs here: an arm64 stage on an amd64 host keeps no .pyc)
  if [[ -x $stage.tmp/runtime/python/bin/python3 && -d $stage.tmp/pybuildpack ]] \
    && "$stage.tmp/runtime/python/bin/python3" -c '' 2>/dev/null; then
    "$stage.tmp/runtime/python/bin/python3" -m compileall -q --invalidation-mode unchecked-hash "$stage.tmp/pybuildpack" >/dev/null
  fi
  rm -rf "$stage" && mv "$stage.tmp" "$stage"
  bp=$stage
fi
sed -e "s|@BUILDPACK_URI@|$bp|g" -e "s|@BUILDPACK_ID@|$bp_id|g" -e "s|@LIFECYCLE_URI@|file://$lc|g" \
    -e "s|@BUILD_IMAGE@|$build_image|g" -e "s|@RUN_IMAGE@|$run_image|g" \
    -e "s|@DISTRO_VERSION@|$distro_version|g" -e "s|@SUITE@|$suite|g" "$tmpl" >"$out.tmp"
mv "$out.tmp" "$out"
# Inputs: the rendered toml, the image IDs, the lifecycle tarball, and the buildpack's files
# (names, sizes, mtimes; runtime/ included) -- cheap to compute on every run.
key=$( { cat "$out"; podman image inspect --format '{{.Id}}' "$build_image" "$run_image"; sha256sum "$lc";
         (cd "$bp" && find . -type f -printf '%p %s\n' -exec sha256sum {} + 2>/dev/null | LC_ALL=C sort); } | sha256sum | cut -c1-16)
stamp=$stamps/builder-$key
if [[ -f $stamp ]] && podman image exists "$builder" \
   && [[ "$(podman image inspect --format '{{.Id}}' "$builder")" == "$(cat "$stamp")" ]]; then
  echo "make-builder: $builder is current ($key)"
  exit 0
fi
old=$(podman image inspect --format '{{.Id}}' "$builder" 2>/dev/null || true)
t0=$SECONDS
"$PACK" builder create "$builder" --config "$out" --pull-policy never
mkdir -p "$stamps"
rm -f "$stamps"/builder-*
podman image inspect --format '{{.Id}}' "$builder" >"$stamp"
echo "make-builder: $builder created in $((SECONDS - t0))s ($(podman image inspect --format '{{.Size}}' "$builder") bytes)"
if [[ -n $old && $old != "$(cat "$stamp")" ]]; then podman rmi "$old" >/dev/null 2>&1 || true; fi
