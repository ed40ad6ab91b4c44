#!/bin/bash
# podman-service.sh SOCKET_PATH
# Starts `podman system service --time=0` on SOCKET_PATH in the background unless something
# already answers there, and waits until the Docker-compatible API responds.
set -euo pipefail
sock=$1
ping() { curl -sf --max-time 3 --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; }
if ping; then exit 0; fi
mkdir -p "$(dirname "$sock")"
rm -f "$sock"
log=$(dirname "$sock")/podman-service.log
# setsid + nohup: the service outlives this make run (a later run reuses it).
setsid nohup podman system service --time=0 "unix://$sock" >"$log" 2>&1 </dev/null &
echo $! >"$sock.pid"
for _ in $(seq 1 100); do
  if ping; then echo "podman-service: listening on unix://$sock (pid $(cat "$sock.pid"))"; exit 0; fi
  sleep 0.1
done
echo "podman-service: no answer on $sock; log:" >&2
cat "$log" >&2
exit 1
