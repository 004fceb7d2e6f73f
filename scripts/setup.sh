#!/usr/bin/env bash
# Sets up everything the project needs on a fresh machine, idempotently:
#   - Debian fonts the specimen generator renders with (CJK labels/values, OCR-B digits),
#   - a virtualenv in .venv with this project installed from the committed pins (constraints.txt).
# Re-running it is cheap: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

FONT_PACKAGES=(fonts-noto-cjk fonts-arphic-gbsn00lp fonts-ocr-b)
missing=()
for pkg in "${FONT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} (apt)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
stamp=.venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing the project into .venv from constraints.txt"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade "pip>=24" 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install -q -c constraints.txt -e '.[local,test,dev]' 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import airflow_provider_faceid, airflow, rapidocr_onnxruntime" 
  rm -f .venv/.installed-*
  touch "$stamp"
fi
