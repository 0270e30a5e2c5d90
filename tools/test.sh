#!/usr/bin/env bash
# Install everything the test suite needs, then lint and run every test.
# This is the README's test command and what .ci/run calls.
#
# - a virtualenv in .venv with posecoach and its test extras (from PyPI);
# - system packages the end-to-end tests drive for real (Debian): Xvfb for the live
#   window, Chromium for the HTML report. Installed with apt-get when missing and we are
#   root; otherwise those tests skip with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# The cluster extra (Ray) for the batch-on-Ray tests, where Ray has a wheel for this Python.
if ! .venv/bin/python -m pip install -q -e '.[test,cluster]'; then
    echo "warning: Ray (the cluster extra) did not install: the batch-on-Ray tests will skip"
    .venv/bin/python -m pip install -q -e '.[test]'
fi

need=()
command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v xdotool >/dev/null 2>&1 || need+=(xdotool)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing system packages: ${need[*]}"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
        echo "warning: missing ${need[*]} (not root): browser/window tests will skip"
    fi
fi

.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
