"""Key frames for the report read from a clip the analysis turned."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest

from posecoach.report.keyframes import key_frame


def _band_clip(path):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (160, 96))
    for _ in range(10):
        image = np.zeros((96, 160, 3), np.uint8)
        image[:, :20] = 255  # a white band on the left edge
        writer.write(image)
    writer.release()
    return path


def _decoded(frame) -> np.ndarray:
    data = np.frombuffer(base64.b64decode(frame.jpeg_b64), np.uint8)
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)


@pytest.mark.parametrize(("turn", "shape", "bright"), [
    (0, (96, 160), (slice(None), slice(0, 10))),
    (90, (160, 96), (slice(0, 10), slice(None))),  # the left edge turned to the top
    (180, (96, 160), (slice(None), slice(-10, None))),
])
def test_a_source_clip_key_frame_is_turned_as_the_analysis_turned_it(tmp_path, turn, shape,
                                                                     bright):
    frame = key_frame(_band_clip(tmp_path / "clip.mp4"), "t", 0.5, "", turn_deg=turn)
    image = _decoded(frame)
    assert image.shape == shape
    assert image[bright].mean() > 200
