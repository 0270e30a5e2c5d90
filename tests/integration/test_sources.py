"""Frame sources: real timestamps, fractional fps, rotation, truncation, bad files."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from fixtures.clips import ffmpeg, write_clip

from posecoach.pose.sources import (
    ImageFolderSource,
    SourceError,
    VideoFileSource,
    open_source,
)


def test_fractional_fps_and_timestamps_are_kept(tmp_path):
    clip = write_clip(tmp_path / "ntsc.mp4", frames=90, fps=30000 / 1001)
    with VideoFileSource(clip) as source:
        assert source.info.fps == pytest.approx(29.97, abs=0.01)
        times = [frame.time_s for frame in source]
    assert len(times) == 90
    # Frame 89 of a 29.97 fps clip is at 2.9696 s; int(fps)=29 would say 3.069 s.
    assert times[89] == pytest.approx(89 * 1001 / 30000, abs=1e-3)
    assert all(b > a for a, b in zip(times[:-1], times[1:], strict=True))


def test_variable_frame_rate_uses_container_times(tmp_path):
    constant = write_clip(tmp_path / "c.mp4", frames=40, fps=20)
    vfr = tmp_path / "vfr.mp4"
    # Slow the second half down 3x: the timestamps, not the frame count, carry time.
    ffmpeg(
        "-i", str(constant), "-filter_complex",
        "[0:v]trim=end_frame=20,setpts=PTS-STARTPTS[a];"
        "[0:v]trim=start_frame=20,setpts=3*(PTS-STARTPTS)+1/TB[b];[a][b]concat=n=2:v=1[v]",
        "-map", "[v]", "-fps_mode", "vfr", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(vfr),
    )
    with VideoFileSource(vfr) as source:
        times = [frame.time_s for frame in source]
    steps = np.diff(times)
    assert steps[:15].mean() == pytest.approx(0.05, abs=0.005)
    assert steps[-15:].mean() == pytest.approx(0.15, abs=0.01)


def _landscape_with_band(path, width=160, height=96):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (width, height))
    for _ in range(5):
        image = np.zeros((height, width, 3), np.uint8)
        image[:, :20] = 255  # a white band on the left edge of the stored picture
        writer.write(image)
    writer.release()
    return path


def _band_edge(image: np.ndarray) -> str:
    edges = {"top": image[:10], "bottom": image[-10:], "left": image[:, :10],
             "right": image[:, -10:]}
    return max(edges, key=lambda k: edges[k].mean())


@pytest.mark.parametrize(
    ("display_rotation", "rotation", "edge"),
    # ffmpeg's -display_rotation is counter-clockwise; players turn the picture clockwise
    # by the metadata's angle, so the stored left edge ends up at the top, right, bottom.
    [("-90", 90, "top"), ("180", 180, "right"), ("90", 270, "bottom")],
)
def test_phone_rotation_metadata_is_honoured(tmp_path, display_rotation, rotation, edge):
    width, height = 160, 96
    landscape = _landscape_with_band(tmp_path / "land.mp4", width, height)
    rotated = tmp_path / "phone.mp4"
    ffmpeg("-display_rotation", display_rotation, "-i", str(landscape), "-c", "copy",
           str(rotated))
    upright = (height, width) if rotation in (90, 270) else (width, height)
    with VideoFileSource(rotated) as source:
        assert source.info.rotation_deg == rotation
        assert source.info.size == upright
        frame = next(iter(source))
    assert frame.size == upright
    assert _band_edge(frame.image) == edge
    # The same picture as OpenCV's own handling of the metadata (CAP_PROP_ORIENTATION_AUTO,
    # on by default), which posecoach turns off to know and report the rotation it applies.
    capture = cv2.VideoCapture(str(rotated), cv2.CAP_FFMPEG)
    assert capture.get(cv2.CAP_PROP_ORIENTATION_AUTO) == 1
    ok, own = capture.read()
    capture.release()
    assert ok and own.shape == frame.image.shape
    assert np.abs(own.astype(int) - frame.image.astype(int)).mean() < 2


def test_a_turn_from_the_pose_adds_to_the_metadata_rotation(tmp_path):
    landscape = _landscape_with_band(tmp_path / "land.mp4")
    rotated = tmp_path / "phone.mp4"
    ffmpeg("-display_rotation", "-90", "-i", str(landscape), "-c", "copy", str(rotated))
    with VideoFileSource(rotated) as source:
        source.turn(180)  # metadata 90, and the body was upside down in that picture
        assert source.info.rotation_deg == 90 and source.info.turned_deg == 180
        assert source.info.applied_deg == 270 and source.info.size == (96, 160)
        frame = next(iter(source))
    assert frame.size == (96, 160) and _band_edge(frame.image) == "bottom"
    with VideoFileSource(landscape) as source:
        source.turn(90)
        assert source.info.size == (96, 160) and source.info.applied_deg == 90
        assert _band_edge(next(iter(source)).image) == "top"
        with pytest.raises(ValueError):
            source.turn(45)


def test_large_frames_are_scaled_once_and_keep_the_picture_size(tmp_path):
    landscape = _landscape_with_band(tmp_path / "land.mp4", 320, 192)
    rotated = tmp_path / "phone.mp4"
    ffmpeg("-display_rotation", "-90", "-i", str(landscape), "-c", "copy", str(rotated))
    with VideoFileSource(rotated) as source:
        source.limit(160)
        assert source.info.size == (192, 320) and source.info.frame_size == (96, 160)
        frame = next(iter(source))
    assert frame.size == (96, 160) and frame.picture_size == (192, 320)
    assert frame.source_size == (192, 320) and _band_edge(frame.image) == "top"
    with VideoFileSource(landscape) as source:
        source.limit(1920)  # small enough already: the picture itself
        frame = next(iter(source))
    assert frame.source_size is None and frame.picture_size == frame.size == (320, 192)


def test_truncated_clip_yields_frames_before_the_cut(tmp_path):
    clip = write_clip(tmp_path / "whole.mp4", frames=120, size=(320, 240))
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    # mp4v files written by OpenCV keep the index (moov) at the end; remux with the index
    # first so the header announces 120 frames, then cut the file in the middle.
    faststart = tmp_path / "fs.mp4"
    ffmpeg("-i", str(clip), "-c", "copy", "-movflags", "+faststart", str(faststart))
    data = faststart.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with VideoFileSource(cut) as source:
        assert source.info.frame_count == 120
        frames = list(source)
    assert 10 < len(frames) < 120
    assert source.ended_early


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "file is empty"), (b"this is not a video\n", "not a readable video")],
)
def test_bad_files_raise_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message) as error:
        VideoFileSource(path)
    assert "\n" not in str(error.value)


def test_missing_file_and_still_image(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        open_source(tmp_path / "missing.mp4")
    image = tmp_path / "photo.jpg"
    cv2.imwrite(str(image), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(SourceError, match="still image"):
        open_source(image)


def test_image_folder_in_name_order_with_nominal_times(tmp_path):
    for i, value in enumerate([10, 20, 30]):
        cv2.imwrite(str(tmp_path / f"img_{i:02d}.png"), np.full((10, 12, 3), value, np.uint8))
    (tmp_path / "notes.txt").write_text("ignored")
    with ImageFolderSource(tmp_path, fps=10) as source:
        frames = list(source)
    assert [f.index for f in frames] == [0, 1, 2]
    assert [f.time_s for f in frames] == [0.0, 0.1, 0.2]
    assert [int(f.image[0, 0, 0]) for f in frames] == [10, 20, 30]
    assert frames[0].size == (12, 10)


def test_duration_from_fractional_rate(tmp_path):
    clip = write_clip(tmp_path / "d.mp4", frames=30, fps=29.97)
    with VideoFileSource(clip) as source:
        assert math.isclose(source.info.duration_s, 30 / source.info.fps)


def _every(frames, step_s: float, until_s: float):
    """The sparse look spelled out on all frames: the first, then each first frame at
    least `step_s` after the last one taken, until the first one after `until_s`."""
    taken, next_s = [], -math.inf
    for frame in frames:
        if frame.time_s > until_s:
            break
        if frame.time_s + 1e-6 >= next_s:
            taken.append(frame)
            next_s = frame.time_s + step_s
    return taken


@pytest.mark.parametrize("step_s, until_s", [(0.33, 2.0), (1.0, 10.0), (0.0, math.inf)])
def test_sampled_frames_are_the_read_frames_that_the_rule_takes(tmp_path, step_s, until_s):
    clip = write_clip(tmp_path / "s.mp4", frames=75, fps=30000 / 1001)
    with VideoFileSource(clip) as source:
        every = list(source)
    with VideoFileSource(clip) as source:
        sampled = list(source.sampled(step_s, until_s))
        read = source.frames_read
    expected = _every(every, step_s, until_s)
    assert [(f.index, f.time_s) for f in sampled] == [(f.index, f.time_s) for f in expected]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(sampled, expected, strict=True))
    assert read == sum(f.time_s <= until_s for f in every)  # every frame up to the stop
    folder = tmp_path / "images"
    folder.mkdir()
    for frame in every[:40]:
        cv2.imwrite(str(folder / f"{frame.index:03d}.png"), frame.image)
    with ImageFolderSource(folder, fps=20) as images:
        all_images = list(images)
    with ImageFolderSource(folder, fps=20) as images:
        got = [(f.index, f.time_s) for f in images.sampled(step_s, until_s)]
    assert got == [(f.index, f.time_s) for f in _every(all_images, step_s, until_s)]
