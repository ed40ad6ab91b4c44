#!/bin/bash
# ensure-arm64-emulation.sh
# Makes this (amd64) host run arm64 binaries through qemu's user-mode emulation, which the arm64
# images, the arm64 mirror check and `pack build --platform linux/arm64` need:
#   1. qemu-user-static (Debian package: static qemu-aarch64 + /usr/lib/binfmt.d/qemu-aarch64.conf)
#   2. the binfmt_misc file system mounted on /proc/sys/fs/binfmt_misc
#   3. the qemu-aarch64 handler registered from that .conf line (there is no systemd-binfmt here;
#      the F flag makes the kernel open the interpreter now, so it works inside containers)
# then runs a check. On an arm64 host nothing is needed. Exits non-zero with what to do where
# the host cannot do it (no root, a container without CAP_SYS_ADMIN, a kernel without binfmt_misc).
set -euo pipefail
fail() {
  echo "arm64-emulation: $*" >&2
  echo "arm64-emulation: the arm64 images, builder and tests need an arm64 host or qemu user-mode" >&2
  echo "arm64-emulation: emulation: as root, 'apt-get install qemu-user-static', mount binfmt_misc on" >&2
  echo "arm64-emulation: /proc/sys/fs/binfmt_misc and register qemu-aarch64 (F flag); or run" >&2
  echo "arm64-emulation: 'make integration ARM64=0' to leave arm64 out." >&2
  exit 1
}
case "$(uname -m)" in
  aarch64|arm64) exit 0 ;;
  x86_64) ;;
  *) fail "host is $(uname -m): only x86_64 hosts are set up for arm64 emulation" ;;
esac
binfmt=/proc/sys/fs/binfmt_misc
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
if [[ ! -f $conf ]]; then
  [[ $(id -u) == 0 ]] || fail "qemu-user-static is not installed and this is not root"
  echo "arm64-emulation: installing qemu-user-static"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq qemu-user-static >/dev/null 2>&1; } \
    || { apt-get update -qq && apt-get install -y -qq qemu-user-static >/dev/null; } \
    || fail "apt-get install qemu-user-static failed"
  [[ -f $conf ]] || fail "qemu-user-static installed no $conf"
fi
if [[ ! -e $binfmt/register ]]; then
  grep -qw binfmt_misc /proc/filesystems || modprobe binfmt_misc 2>/dev/null || true
  mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null \
    || fail "cannot mount binfmt_misc on $binfmt (not root, or no CAP_SYS_ADMIN in this container)"
fi
if [[ -e $binfmt/qemu-aarch64 ]] && ! grep -q '^flags:.*F' "$binfmt/qemu-aarch64"; then
  # registered by someone else without F (binfmt-support does that): the interpreter path would
  # then be looked up inside each container, where it does not exist
  echo -1 >"$binfmt/qemu-aarch64" 2>/dev/null || fail "cannot replace the qemu-aarch64 handler (it lacks the F flag)"
  echo "arm64-emulation: replacing the qemu-aarch64 handler registered without the F flag"
fi
if [[ ! -e $binfmt/qemu-aarch64 ]]; then
  # the .conf line is ':name:type:offset:magic:mask:interpreter:flags'
  line=$(grep -v '^#' "$conf" | grep -m1 ':qemu-aarch64:')
  printf '%s' "$line" >"$binfmt/register" 2>/dev/null || fail "writing $binfmt/register was refused"
  echo "arm64-emulation: registered qemu-aarch64 with binfmt_misc"
fi
grep -q '^enabled' "$binfmt/qemu-aarch64" || fail "the qemu-aarch64 handler is registered but disabled"
grep -q '^flags:.*F' "$binfmt/qemu-aarch64" \
  || fail "the qemu-aarch64 handler lacks the F flag: containers would not find the interpreter"
