#!/usr/bin/env bash
# Installs the Debian packages Haven needs, only those that are missing (idempotent).
#   runtime: tesseract (OCR of screenshots), ffmpeg + libav* (video hashing with vPDQ), pango (PDF reports),
#            poppler-utils (PDF checks)
#   tests:   chromium (web app tests through Playwright), postgresql (hash bank tests), wrk (load run)
set -euo pipefail
runtime=(pkg-config g++ tesseract-ocr tesseract-ocr-eng ffmpeg libavformat-dev libavcodec-dev libavdevice-dev
         libavfilter-dev libswresample-dev libswscale-dev libavutil-dev libpango-1.0-0 libpangoft2-1.0-0
         libharfbuzz0b fonts-dejavu-core poppler-utils)
testing=(chromium chromium-driver postgresql wrk libjemalloc2)
want=("${runtime[@]}")
[ "${1:-}" = "--test" ] && want+=("${testing[@]}")
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
