#!/bin/bash
# Install the host packages the integration suite needs (only those missing) and write the
# containers.conf that podman needs on these machines (runc, no default ulimits).
set -euo pipefail
pkgs=(podman runc debootstrap patchelf skopeo uidmap fuse-overlayfs slirp4netns catatonit)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "ensure-host: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
conf=/etc/containers/containers.conf
want=$'[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n'
if [[ ! -f $conf ]] || [[ "$(cat "$conf")"$'\n' != "$want" ]]; then
  mkdir -p /etc/containers
  [[ -f $conf ]] && cp "$conf" "$conf.pybuildpack-backup"
  printf '%s' "$want" >"$conf"
  echo "ensure-host: wrote $conf"
fi
