#!/usr/bin/env bash
# Sets up everything the project needs on a fresh machine, idempotently:
#   - Debian packages: the fonts the three specimen renderers draw with (CJK labels and values, mono
#     and OCR-B digits) and, only when no PostgreSQL server is installed, postgresql (tests and the demo start
#     a throwaway cluster from its binaries when no server answers on 127.0.0.1:5432) and
#     redis-server when missing (the Celery scale-out tests start a throwaway broker), and curl
#     when missing (the contract tests run the API document's curl example), chromium and
#     chromium-driver when missing (the FaceID page's browser test),
#   - a virtualenv in .venv with this project installed from the committed pins (constraints.txt).
# Re-running it is cheap: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(fonts-noto-cjk fonts-arphic-gbsn00lp fonts-ocr-b fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-uming fonts-droid-fallback fonts-dejavu-core fonts-lxgw-wenkai fonts-smiley-sans fonts-arphic-ukai fonts-arphic-gkai00mp fonts-babelstone-han fonts-liberation fonts-freefont-ttf fonts-noto-mono)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
# The scale-out tests start a throwaway Redis broker on a free port.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# The FaceID page's browser test drives Debian's chromium headless through its chromedriver.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# The API contract tests run the API document's own curl example.
command -v curl >/dev/null 2>&1 || missing+=(curl)
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
  log=$(mktemp)
  # pip's output (and setuptools' editable-install banner) goes to a log shown only on failure.
  if ! { .venv/bin/python -m pip install -q --upgrade "pip>=24" &&
         .venv/bin/python -m pip install -q -c constraints.txt -e '.[local,s3,lineage,test,dev]'; } >"$log" 2>&1; then
    grep -v "is ignored: it is neither" "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  .venv/bin/python -c "import airflow_provider_faceid, airflow, rapidocr_onnxruntime"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
