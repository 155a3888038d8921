#!/usr/bin/env bash
# Installs KernelCI's kcidb-io (PyPI) into a venv under the user's cache, so
# test/reporters/kcidb.test.ts validates `report --format kcidb` with KCIDB's
# own schema code. Idempotent: does nothing when the venv already imports it.
#
# A machine whose network reaches no Python package index cannot install it:
# that is recorded in kcidb-io.unavailable beside the venv (the test then skips
# its schema check with that reason) and the script succeeds, so the rest of CI
# still runs. Any other failure fails the script.
set -euo pipefail

version=140   # kcidb-io's version is its commit count; 140 has schema v5.3 as LATEST
cache="${XDG_CACHE_HOME:-$HOME/.cache}/primeci"
venv="$cache/kcidb-io"
unavailable="$cache/kcidb-io.unavailable"

if [ -x "$venv/bin/python3" ] && "$venv/bin/python3" -c 'import kcidb_io' 2>/dev/null; then
  rm -f "$unavailable"
  exit 0
fi

apt_install() {
  # Another installer may hold the dpkg lock: wait for it rather than fail.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}
command -v python3 >/dev/null || apt_install python3
python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv python3-pip

mkdir -p "$cache"
rm -rf "$venv"
python3 -m venv "$venv"
log=$(mktemp)
if "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "kcidb-io==$version" >"$log" 2>&1; then
  "$venv/bin/python3" -c 'import kcidb_io'
  rm -f "$unavailable" "$log"
  exit 0
fi
# No half-made venv left for the test to find.
rm -rf "$venv"
if grep -qE 'Failed to establish a new connection|Name or service not known|Temporary failure in name resolution|Network is unreachable' "$log"; then
  { echo "pip could not fetch kcidb-io==$version from a package index ($(date -u +%FT%TZ)):"; tail -n 3 "$log"; } >"$unavailable"
  echo "kcidb-io not installed: no package index reachable (see $unavailable)"
  rm -f "$log"
  exit 0
fi
cat "$log"
rm -f "$log"
exit 1
