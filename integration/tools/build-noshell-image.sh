#!/bin/bash
# build-noshell-image.sh RUN_IMAGE NOSHELL_IMAGE
# The run image without /bin/sh (and bash, dash): rebuilt when the run image or recipe changes.
set -euo pipefail
run_image=$1 image=$2
here=$(cd "$(dirname "$0")/.." && pwd)
key=$( (podman image inspect --format '{{.Id}}' "$run_image"; cat "$here/images/Containerfile.run-noshell") | sha256sum | cut -c1-16)
current=$(podman image inspect --format '{{ index .Labels "io.pybuildpack.noshell" }}' "$image" 2>/dev/null || true)
if [[ $current == "$key" ]]; then
  echo "noshell-image: $image is current ($key)"
  exit 0
fi
podman build --quiet --squash-all --build-arg BASE="$run_image" --label "io.pybuildpack.noshell=$key" \
  -f "$here/images/Containerfile.run-noshell" -t "$image" "$here/images" >/dev/null
if podman run --rm --entrypoint /bin/sh "$image" -c true >/dev/null 2>&1; then
  echo "noshell-image: $image still has a shell" >&2
  exit 1
fi
echo "noshell-image: $image ($(podman image inspect --format '{{.Size}}' "$image") bytes, no /bin/sh)"
