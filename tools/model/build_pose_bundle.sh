#!/usr/bin/env bash
# Rebuild models/pose_landmarker_full.task reproducibly (see tools/model/build_pose_bundle.py).
# Needs only PyPI: fetches the mediapipe 0.10.21 wheel and runs its metadata writer in a
# throwaway virtualenv. Usage: bash tools/model/build_pose_bundle.sh [OUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../models}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "mediapipe==0.10.21"
"$work/venv/bin/pip" download -q --no-deps "mediapipe==0.10.21" -d "$work/wheel"
"$work/venv/bin/python" "$here/build_pose_bundle.py" --wheel "$work"/wheel/mediapipe-0.10.21-*.whl --out "$out"
