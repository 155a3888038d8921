#!/usr/bin/env bash
# Installs what `primeci vm` needs: QEMU, busybox, cpio, kmod, and Debian's
# packaged kernel (the one linux-image-amd64 depends on), extracted into a cache
# with its vmlinux (the PVH entry boots faster than the bzImage) and modules.dep.
# Idempotent: a second run does nothing but check.
set -euo pipefail

cache="${PRIMECI_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/primeci/vm}"
tools=(qemu-system-x86_64 busybox cpio depmod python3)
want_pkgs=(qemu-system-x86 busybox-static cpio kmod)

missing=0
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || missing=1
done
# busybox-static (not the dynamic busybox) is what runs in the initramfs.
dpkg -s busybox-static >/dev/null 2>&1 || missing=1

# Another installer (or another engineer's) may hold the dpkg lock: wait for it.
apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt_updated=1
  fi
}

if [ "$missing" = 1 ]; then
  apt_update_once
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${want_pkgs[@]}" >/dev/null
fi

# The kernel package name follows the metapackage; resolve it only when needed.
if [ ! -f "$cache/kernel/ready" ]; then
  apt_update_once
  kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  if [ -z "$kpkg" ]; then
    echo "install-vm: cannot resolve the kernel package behind linux-image-amd64" >&2
    exit 1
  fi
  rm -rf "$cache/kernel" "$cache/download"
  mkdir -p "$cache/download" "$cache/kernel"
  (cd "$cache/download" && apt-get download -qq "$kpkg")
  dpkg -x "$cache"/download/*.deb "$cache/kernel/root"
  release=$(ls "$cache/kernel/root/lib/modules")
  depmod -b "$cache/kernel/root" "$release"
  python3 "$(dirname "$0")/../vm/extract-vmlinux.py" \
    "$cache/kernel/root/boot/vmlinuz-$release" "$cache/kernel/vmlinux"
  echo "$release" > "$cache/kernel/release"
  echo "$kpkg" > "$cache/kernel/package"
  rm -rf "$cache/download"
  touch "$cache/kernel/ready"
fi
echo "install-vm: kernel $(cat "$cache/kernel/release") in $cache/kernel"
