#!/usr/bin/env bash
# Installs what `primeci kernel build` needs: Debian's linux-source-6.1, the
# out-of-tree build tree (linux-headers + linux-kbuild) of the packaged kernel
# the VM boots (the release install-vm.sh extracted), and the compilers and
# tools for a full kernel build. Idempotent.
set -euo pipefail

cache="${PRIMECI_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/primeci/vm}"
release=$(cat "$cache/kernel/release" 2>/dev/null || true)
if [ -z "$release" ]; then
  echo "install-kernel-build: run .ci/install-vm.sh first (no packaged kernel in $cache)" >&2
  exit 1
fi
pkgs=(linux-source-6.1 "linux-headers-$release" linux-kbuild-6.1 gcc make flex bison bc libelf-dev libssl-dev patch xz-utils)
need=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ "${#need[@]}" -gt 0 ]; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "install-kernel-build: $(ls /usr/src/linux-source-6.1.tar.xz) and /usr/src/linux-headers-$release"
