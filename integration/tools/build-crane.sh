#!/bin/bash
# build-crane.sh VERSION OUT_BINARY
set -euo pipefail
version=$1 out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 GOBIN="$work" go install -trimpath -ldflags="-s -w" "github.com/google/go-containerregistry/cmd/crane@v$version"
mkdir -p "$(dirname "$out")"
mv "$work/crane" "$out"
"$out" version
