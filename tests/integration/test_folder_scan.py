"""`posecoach analyze FOLDER` on a folder copied from a Mac: the `._name.mp4` resource
forks and dot files are skipped, counted in one line, and the real clips analysed."""

from __future__ import annotations

import pytest
from fixtures.cli import run_cli
from fixtures.clips import ffmpeg, write_clip
from fixtures.paths import REPO

from posecoach.cli.app import expand_inputs

# The start of an AppleDouble file, as macOS writes `._name` beside a copied file.
APPLE_DOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 4000


def _mac_folder(folder, clip_bytes: bytes | None = None):
    folder.mkdir()
    if clip_bytes is None:
        write_clip(folder / "session.mp4", 3)
    else:
        (folder / "session.mp4").write_bytes(clip_bytes)
    (folder / "._session.mp4").write_bytes(APPLE_DOUBLE)
    (folder / ".hidden.mov").write_bytes(b"")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return folder


def test_expand_skips_and_counts_hidden_files(tmp_path):
    folder = _mac_folder(tmp_path / "clips")
    images = tmp_path / "frames"
    images.mkdir()
    (images / "0001.png").write_bytes(b"")
    (images / "._0001.png").write_bytes(APPLE_DOUBLE)
    paths, skipped = expand_inputs([folder, images, tmp_path / "given.mp4"])
    assert paths == [folder / "session.mp4", images, tmp_path / "given.mp4"]
    assert skipped == {folder: 2, images: 1}


@pytest.mark.model
@pytest.mark.slow
def test_analyze_folder_from_a_mac(tmp_path):
    cut = tmp_path / "cut.mp4"
    ffmpeg("-ss", "1", "-t", "1", "-i", str(REPO / "sample_videos" / "kneeling_good_R.mp4"),
           "-vf", "scale=320:180", "-an", str(cut))
    folder = _mac_folder(tmp_path / "from mac", cut.read_bytes())
    out = tmp_path / "out"
    done = run_cli("analyze", str(folder), "--out", str(out), "--quiet", "--no-video",
                   "--no-report", "--no-history", "--workers", "1",
                   "--exercise", "kneeling_hip_flexor")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"posecoach: skipped 2 hidden files (dot files, ._ resource " \
                                  f"forks) in {folder}"
    assert len(done.stdout.splitlines()) == 1
    assert sorted(p.name for p in out.iterdir()) == ["session"]
