"""Rebuild models/pose_landmarker_{full,lite,heavy}.task from MediaPipe's BlazePose files.

Why this exists: current mediapipe wheels ship no pose model, and the official `.task`
bundles live on a model hub that posecoach's machines (and many clinics) cannot reach.
mediapipe 0.10.21 on PyPI is the last wheel that carries the BlazePose detector and the
"full" landmark model (Apache-2.0). It has no "lite" or "heavy" landmark model; those
come from the npm package `@mediapipe/pose` (Apache-2.0, version NPM_VERSION), whose
`pose_landmark_full.tflite` is byte-identical to the wheel's (same model family). All
three variants use the wheel's person detector. The Tasks API only accepts the models
with NormalizationOptions metadata, which we add here with mediapipe's own metadata
writer, then zip detector + landmark model into the `.task` layout the PoseLandmarker
expects.

Run it through tools/model/build_pose_bundle.sh, which makes a throwaway virtualenv with
mediapipe==0.10.21 (its metadata writer works there; the one in current wheels lacks
its native half) and fetches the npm tarball with `npm pack` when lite/heavy is asked
for. Every input is checked against its sha256 below. The output is byte-for-byte
reproducible: fixed zip timestamps, fixed member order, no compression.

    python tools/model/build_pose_bundle.py --wheel mediapipe-0.10.21-...whl --out models/
    python tools/model/build_pose_bundle.py --variant all --wheel mediapipe-0.10.21-...whl \
        --npm-tarball mediapipe-pose-0.5.1675469404.tgz --out models/
"""

from __future__ import annotations

import argparse
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

NPM_PACKAGE = "@mediapipe/pose"
NPM_VERSION = "0.5.1675469404"
DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
VARIANTS = ("full", "lite", "heavy")
# Where each variant's landmark model comes from: ("wheel" | "npm", member name).
# "full" stays on the wheel, as before, so its bundle keeps its bytes and sha256.
LANDMARK_SOURCES = {
    "full": ("wheel", "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"),
    "lite": ("npm", "package/pose_landmark_lite.tflite"),
    "heavy": ("npm", "package/pose_landmark_heavy.tflite"),
}
# sha256 of every input file: a different file stops the build instead of silently
# giving a different model.
INPUT_SHA256 = {
    DETECTOR_MEMBER: "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    "mediapipe/modules/pose_landmark/pose_landmark_full.tflite":
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "package/pose_landmark_lite.tflite":
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "package/pose_landmark_heavy.tflite":
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}
# A fixed date for every zip member, so rebuilding gives the same bytes.
ZIP_DATE = (2025, 1, 31, 0, 0, 0)


def bundle_name(variant: str) -> str:
    return f"pose_landmarker_{variant}.task"


def _checked(member: str, data: bytes) -> bytes:
    digest = hashlib.sha256(data).hexdigest()
    if digest != INPUT_SHA256[member]:
        raise SystemExit(
            f"{member}: sha256 {digest}, expected {INPUT_SHA256[member]} (wrong source file)"
        )
    return data


def _with_metadata(model: bytes, name: str, mean: float, std: float, outputs: int) -> bytes:
    """Add image-input normalisation metadata to a tflite model.

    mean/std: input = (pixel - mean) / std. The detector expects [-1, 1]
    (127.5, 127.5); the landmark model expects [0, 1] (0, 255).
    """
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(model_name=name, model_description=f"BlazePose {name}")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    for i in range(outputs):
        writer.add_feature_output(name=f"output_{i}")
    model_with_metadata, _ = writer.populate()
    return bytes(model_with_metadata)


def _read_wheel(wheel: Path, member: str) -> bytes:
    with zipfile.ZipFile(wheel) as whl:
        return _checked(member, whl.read(member))


def _read_npm(tarball: Path | None, member: str) -> bytes:
    if tarball is None:
        raise SystemExit(f"{member}: needs --npm-tarball ({NPM_PACKAGE}@{NPM_VERSION})")
    with tarfile.open(tarball, "r:gz") as tar:
        handle = tar.extractfile(member)
        if handle is None:
            raise SystemExit(f"{tarball}: no file {member}")
        return _checked(member, handle.read())


def build_bundle(wheel: Path, variant: str = "full", npm_tarball: Path | None = None) -> bytes:
    """The `.task` zip (bytes) for `variant`: the wheel's detector + its landmark model."""
    source, member = LANDMARK_SOURCES[variant]
    detector = _read_wheel(wheel, DETECTOR_MEMBER)
    read = _read_wheel if source == "wheel" else _read_npm
    landmarker = read(wheel if source == "wheel" else npm_tarball, member)
    members = {
        "pose_detector.tflite": _with_metadata(detector, "pose_detector", 127.5, 127.5, 2),
        "pose_landmarks_detector.tflite": _with_metadata(
            landmarker, "pose_landmarks_detector", 0.0, 255.0, 5
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as bundle:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            bundle.writestr(info, data)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, required=True, help="mediapipe 0.10.21 wheel")
    parser.add_argument(
        "--npm-tarball", type=Path, default=None,
        help=f"`npm pack {NPM_PACKAGE}@{NPM_VERSION}` tarball (for lite and heavy)",
    )
    parser.add_argument("--variant", choices=(*VARIANTS, "all"), default="full")
    parser.add_argument("--out", type=Path, default=Path("models"))
    args = parser.parse_args(argv)
    variants = VARIANTS if args.variant == "all" else (args.variant,)
    args.out.mkdir(parents=True, exist_ok=True)
    for variant in variants:
        data = build_bundle(args.wheel, variant, args.npm_tarball)
        name = bundle_name(variant)
        target = args.out / name
        target.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        (args.out / f"{name}.sha256").write_text(f"{digest}  {name}\n")
        print(f"wrote {target} ({len(data)} bytes) sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
