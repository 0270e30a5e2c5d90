#!/usr/bin/env bash
# Rebuild models/pose_landmarker_{full,lite,heavy}.task reproducibly (see
# tools/model/build_pose_bundle.py). Fetches the mediapipe 0.10.21 wheel from PyPI and runs
# its metadata writer in a throwaway virtualenv; for lite/heavy it also fetches the npm
# tarball of @mediapipe/pose (pinned below) with `npm pack` (downloads, installs nothing).
# Usage: bash tools/model/build_pose_bundle.sh [OUT_DIR] [full|lite|heavy|all]
# (defaults: models/ and full, the bundled default model).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../models}"
variant="${2:-full}"
npm_spec="@mediapipe/pose@0.5.1675469404"  # keep in step with NPM_VERSION in the .py
case "$variant" in
  full|lite|heavy|all) ;;
  *) echo "variant must be full, lite, heavy or all (got '$variant')" >&2; exit 2 ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "mediapipe==0.10.21"
"$work/venv/bin/pip" download -q --no-deps "mediapipe==0.10.21" -d "$work/wheel"
npm_args=()
if [ "$variant" != full ]; then
  mkdir "$work/npm"
  (cd "$work/npm" && npm pack --silent "$npm_spec" >/dev/null)
  npm_args=(--npm-tarball "$work"/npm/mediapipe-pose-*.tgz)
fi
"$work/venv/bin/python" "$here/build_pose_bundle.py" --variant "$variant" \
  --wheel "$work"/wheel/mediapipe-0.10.21-*.whl "${npm_args[@]}" --out "$out"
