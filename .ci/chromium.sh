#!/bin/sh
# Installs Debian's Chromium for the Web Chat browser test when it is missing. Safe to run again.
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium.sh: /usr/bin/chromium is missing and installing it needs root (apt-get install -y chromium)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if command -v flock >/dev/null 2>&1; then
  flock /tmp/apt.lock sh -c 'apt-get update && apt-get install -y --no-install-recommends chromium'
else
  apt-get update && apt-get install -y --no-install-recommends chromium
fi
test -x /usr/bin/chromium
