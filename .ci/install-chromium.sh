#!/usr/bin/env bash
# Installs Debian's chromium for the HTML report tests (headless --dump-dom).
# Idempotent: does nothing when chromium is already there.
set -euo pipefail

if command -v chromium >/dev/null; then
  exit 0
fi
# Another installer may hold the dpkg lock: wait for it rather than fail.
apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
command -v chromium >/dev/null
