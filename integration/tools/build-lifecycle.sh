#!/bin/bash
# build-lifecycle.sh VERSION OUT_TGZ [GO_REPLACE...]
# Builds the CNB lifecycle (lifecycle + launcher) from its Go module and packs the tarball
# layout pack expects: lifecycle.toml at the root, lifecycle/ with the binaries and the
# phase symlinks (as buildpacks/lifecycle tools/packager does).
# `go install ...@vX` is not used: it asks the module proxy for the version list (deprecation
# check), which the proxy here refuses (403). `go mod download` of the exact version works.
# GO_REPLACE arguments (old=new@version) are applied with `go mod edit -replace` before the
# build: the module proxy here does not serve every dependency version (see infra.mk).
set -euo pipefail
version=$1 out=$2
shift 2
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
json=$(cd "$work" && go mod download -json "github.com/buildpacks/lifecycle@v$version")
dir=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["Dir"])' "$json")
commit=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("Origin", {}).get("Hash", "")[:7])' "$json")
mkdir -p "$work/src"
cp -r "$dir/." "$work/src/"
chmod -R u+w "$work/src"
for r in "$@"; do
  echo "build-lifecycle: go mod edit -replace $r"
  (cd "$work/src" && go mod edit -replace "$r")
done
mkdir -p "$work/out/lifecycle"
pkg=github.com/buildpacks/lifecycle/cmd
ldflags="-s -w -X '$pkg.Version=$version' -X '$pkg.SCMRepository=github.com/buildpacks/lifecycle' -X '$pkg.SCMCommit=$commit'"
(cd "$work/src" && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags="$ldflags" -o "$work/out/lifecycle/lifecycle" ./cmd/lifecycle \
  && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags="$ldflags" -o "$work/out/lifecycle/launcher" ./cmd/launcher)
size=$(stat -c %s "$work/out/lifecycle/launcher")
if ((size > 4 * 1024 * 1024)); then
  echo "build-lifecycle: launcher is $size bytes (> 4 MiB)" >&2; exit 1
fi
(cd "$work/out/lifecycle" && for p in detector analyzer restorer builder exporter rebaser creator extender; do ln -sf lifecycle "$p"; done)
cat >"$work/out/lifecycle.toml" <<TOML
[apis]
[apis.buildpack]
  deprecated = []
  supported = ["0.7", "0.8", "0.9", "0.10", "0.11", "0.12"]
[apis.platform]
  deprecated = []
  supported = ["0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14", "0.15"]

[api]
  platform = "0.7"
  buildpack = "0.7"

[lifecycle]
  version = "$version"
  sbom-formats = ["application/vnd.cyclonedx+json", "application/spdx+json", "application/vnd.syft+json"]
TOML
"$work/out/lifecycle/lifecycle" -version
mkdir -p "$(dirname "$out")"
tar -C "$work/out" --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name -czf "$out.tmp" lifecycle.toml lifecycle
mv "$out.tmp" "$out"
echo "build-lifecycle: $out"
