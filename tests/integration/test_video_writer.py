"""The annotated-video writer: H.264 that browsers play, exact fps, clean fallback."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import pytest

from posecoach.outputs import video_writer
from posecoach.outputs.video_writer import VideoWriter, fps_fraction


def _frames(n: int, size=(320, 240)):
    w, h = size
    for i in range(n):
        image = np.zeros((h, w, 3), np.uint8)
        image[:, : (i * 7) % w] = (0, 0, 255)  # a red bar that grows: frames differ
        yield image


def _read_back(path):
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS)
    fourcc = int(capture.get(cv2.CAP_PROP_FOURCC))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    codec = fourcc.to_bytes(4, "little").decode("ascii", "replace").lower()
    return fps, count, codec


@pytest.mark.parametrize("fps", [30000 / 1001, 25.0, 24000 / 1001])
def test_h264_keeps_frame_count_and_fractional_fps(tmp_path, fps):
    path = tmp_path / "out.mp4"
    with VideoWriter(path, fps, (320, 240)) as video:
        for image in _frames(45):
            video.write(image)
    assert video.info.codec == "h264" and video.info.browser_playable
    assert video.info.warning is None
    read_fps, count, codec = _read_back(path)
    assert count == 45
    assert read_fps == pytest.approx(fps, abs=1e-3)
    assert codec in ("avc1", "h264")


def test_fps_fraction_is_exact_for_ntsc_rates():
    assert fps_fraction(29.97002997002997) == Fraction(30000, 1001)
    assert fps_fraction(25.0) == Fraction(25)
    with pytest.raises(ValueError):
        fps_fraction(float("nan"))


def test_odd_sizes_are_padded_not_refused(tmp_path):
    with VideoWriter(tmp_path / "odd.mp4", 30.0, (161, 121)) as video:
        for image in _frames(5, (161, 121)):
            video.write(image)
    assert video.info.size == (162, 122)
    assert _read_back(tmp_path / "odd.mp4")[1] == 5


def test_colours_and_picture_survive_the_yuv_conversion(tmp_path):
    # Four flat colour blocks: the conversion must keep BT.601 limited range (what
    # players assume for untagged H.264), not shift or swap the channels.
    image = np.zeros((240, 320, 3), np.uint8)
    blocks = {(0, 0): (0, 0, 255), (0, 160): (0, 255, 0), (120, 0): (255, 0, 0),
              (120, 160): (200, 200, 200)}
    for (y, x), colour in blocks.items():
        image[y:y + 120, x:x + 160] = colour
    with VideoWriter(tmp_path / "colours.mp4", 30.0, (320, 240)) as video:
        for _ in range(3):
            video.write(image)
    capture = cv2.VideoCapture(str(tmp_path / "colours.mp4"))
    ok, decoded = capture.read()
    capture.release()
    assert ok and decoded.shape == image.shape
    for (y, x), colour in blocks.items():
        centre = decoded[y + 40:y + 80, x + 50:x + 110].reshape(-1, 3).mean(axis=0)
        assert np.abs(centre - colour).max() < 8, (colour, centre)


def test_an_error_inside_the_with_still_leaves_a_playable_file(tmp_path):
    path = tmp_path / "cut.mp4"
    with pytest.raises(RuntimeError), VideoWriter(path, 30.0, (320, 240)) as video:
        for i, image in enumerate(_frames(30)):
            video.write(image)
            if i == 11:
                raise RuntimeError("camera gone")
    assert _read_back(path)[1] == 12


def test_falls_back_to_mp4v_with_one_warning_when_ffmpeg_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(video_writer, "ffmpeg_exe", lambda: None)
    warnings = []
    with VideoWriter(tmp_path / "fb.mp4", 30.0, (320, 240), warn=warnings.append) as video:
        for image in _frames(10):
            video.write(image)
    assert video.info.codec == "mp4v" and not video.info.browser_playable
    assert len(warnings) == 1 and "mp4v" in warnings[0] and "browser" in warnings[0]
    assert video.info.warning == warnings[0]
    fps, count, codec = _read_back(tmp_path / "fb.mp4")
    assert count == 10 and codec in ("mp4v", "fmp4") and fps == pytest.approx(30.0)


def test_wrong_frame_size_is_refused(tmp_path):
    with VideoWriter(tmp_path / "x.mp4", 30.0, (320, 240)) as video, pytest.raises(ValueError):
        video.write(np.zeros((100, 100, 3), np.uint8))
