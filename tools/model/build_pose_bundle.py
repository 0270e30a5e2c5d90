"""Rebuild models/pose_landmarker_full.task from the BlazePose files of mediapipe 0.10.21.

Why this exists: current mediapipe wheels ship no pose model, and the official `.task`
bundles live on a model hub that posecoach's machines (and many clinics) cannot reach.
mediapipe 0.10.21 on PyPI is the last wheel that carries the BlazePose detector and the
"full" landmark model (Apache-2.0). The Tasks API only accepts them with
NormalizationOptions metadata, which we add here with mediapipe's own metadata writer,
then zip both into the `.task` layout the PoseLandmarker expects.

Run it through tools/model/build_pose_bundle.sh, which makes a throwaway virtualenv with
mediapipe==0.10.21 (its metadata writer works there; the one in current wheels lacks
its native half). The output is byte-for-byte reproducible: fixed zip timestamps, fixed
member order, no compression.

    python tools/model/build_pose_bundle.py --wheel mediapipe-0.10.21-...whl --out models/
"""

from __future__ import annotations

import argparse
import hashlib
import io
import zipfile
from pathlib import Path

DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKER_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
BUNDLE_NAME = "pose_landmarker_full.task"
# A fixed date for every zip member, so rebuilding gives the same bytes.
ZIP_DATE = (2025, 1, 31, 0, 0, 0)


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


def build_bundle(wheel: Path) -> bytes:
    """The `.task` zip (bytes) built from the two BlazePose files inside `wheel`."""
    with zipfile.ZipFile(wheel) as whl:
        detector = whl.read(DETECTOR_MEMBER)
        landmarker = whl.read(LANDMARKER_MEMBER)
    members = {
        "pose_detector.tflite": _with_metadata(detector, "pose_detector", 127.5, 127.5, 2),
        "pose_landmarks_detector.tflite": _with_metadata(
            landmarker, "pose_landmarks_detector", 0.0, 255.0, 5
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as bundle:
        for member, data in members.items():
            info = zipfile.ZipInfo(member, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            bundle.writestr(info, data)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, required=True, help="mediapipe 0.10.21 wheel")
    parser.add_argument("--out", type=Path, default=Path("models"))
    args = parser.parse_args(argv)
    data = build_bundle(args.wheel)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / BUNDLE_NAME
    target.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    (args.out / f"{BUNDLE_NAME}.sha256").write_text(f"{digest}  {BUNDLE_NAME}\n")
    print(f"wrote {target} ({len(data)} bytes) sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
