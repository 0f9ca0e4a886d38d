#!/usr/bin/env bash
# Makes sure a headless Chromium is there for the explorer's browser test: CHROMIUM_PATH, else Debian's
# /usr/bin/chromium, installed with apt-get when missing and we may (root, or sudo without a password).
set -euo pipefail

path=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ -x $path ]]; then
  echo "Chromium: $path"
  exit 0
fi
if [[ -n ${CHROMIUM_PATH:-} ]]; then
  echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable." >&2
  exit 1
fi

sudo=()
if [[ $(id -u) != 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else sudo=(none); fi
fi
if [[ ${sudo[0]:-} != none ]] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium: installing Debian's chromium package"
  if "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 ||
     { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; then
    [[ -x /usr/bin/chromium ]] && { echo "Chromium: installed $(/usr/bin/chromium --version 2>/dev/null || true)"; exit 0; }
  fi
fi
echo "Chromium is needed for the API explorer's browser test and could not be installed: install Debian's chromium package (apt-get install chromium), or set CHROMIUM_PATH to a Chromium or Chrome binary." >&2
exit 1
