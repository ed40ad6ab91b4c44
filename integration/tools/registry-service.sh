#!/bin/bash
# registry-service.sh CRANE ADDRESS STATE_DIR
# Starts `crane registry serve` (an OCI registry, plain HTTP) on ADDRESS in the background
# unless a registry already answers there, and waits until /v2/ responds. It outlives the make
# run, like the podman service; blobs go to STATE_DIR/blobs, manifests live in its memory, so
# after a restart `make package` publishes the buildpack image again.
set -euo pipefail
crane=$1 address=$2 state=$3
ping() { curl -sf --noproxy '*' --max-time 3 "http://$address/v2/" >/dev/null 2>&1; }
if ping; then exit 0; fi
mkdir -p "$state/blobs"
log=$state/registry.log
setsid nohup "$crane" registry serve --address "$address" --disk "$state/blobs" >"$log" 2>&1 </dev/null &
echo $! >"$state/registry.pid"
for _ in $(seq 1 100); do
  if ping; then echo "registry: listening on http://$address (pid $(cat "$state/registry.pid"))"; exit 0; fi
  sleep 0.1
done
echo "registry: no answer on $address; log:" >&2
cat "$log" >&2
exit 1
