#!/bin/bash
# build-pack.sh VERSION OUT_BINARY
# pack >= 0.36 has a replace directive in go.mod, so `go install pkg@version` refuses it.
# Download the module, copy it somewhere writable and build it as the main module.
set -euo pipefail
version=$1 out=$2
dir=$(cd /tmp && go mod download -json "github.com/buildpacks/pack@v$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$dir/." "$work/"
chmod -R u+w "$work"
mkdir -p "$(dirname "$out")"
(cd "$work" && CGO_ENABLED=0 go build -trimpath -mod=mod \
  -ldflags="-s -w -X 'github.com/buildpacks/pack/pkg/client.Version=$version'" -o "$out.tmp" .)
mv "$out.tmp" "$out"
"$out" version
