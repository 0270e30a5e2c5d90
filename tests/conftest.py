"""Shared fixtures: where the sample clips and the real media are, and small clip makers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_VIDEOS = REPO / "sample_videos"
REALMEDIA = REPO.parent / "shared" / "realmedia"


@pytest.fixture(autouse=True)
def private_history(tmp_path_factory, monkeypatch):
    """Every test (and every `posecoach` it runs) writes history to a throwaway database,
    never to the user's own ~/.local/share/posecoach."""
    monkeypatch.setenv("POSECOACH_DB", str(tmp_path_factory.mktemp("db") / "history.sqlite"))


@pytest.fixture(scope="module")
def xdisplay():
    """A virtual X display (Xvfb) for tests of real windows; skipped when Xvfb is missing.

    -displayfd: the server picks a free display itself and prints its number once it
    accepts connections (no guessing, no race with a server still shutting down).
    """
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (tools/test.sh installs the Debian package xvfb)")
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    number = server.stdout.readline().strip()
    if not number.isdigit():
        server.kill()
        server.wait()
        pytest.skip("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def realmedia() -> Path:
    """../shared/realmedia (never copied into the repo); skip when it is not beside us."""
    if not REALMEDIA.is_dir():
        pytest.skip(f"real media folder {REALMEDIA} is absent (it is not part of the repo)")
    return REALMEDIA


@pytest.fixture(scope="session")
def sample_videos() -> Path:
    if not any(SAMPLE_VIDEOS.glob("*.mp4")):
        pytest.fail(f"no sample clips in {SAMPLE_VIDEOS}: they are committed with the repo")
    return SAMPLE_VIDEOS


def write_clip(
    path: Path, frames: int, size=(160, 120), fps: float = 30.0, value: int | None = None
) -> Path:
    """A small mp4v clip of moving gradients (or a flat grey `value`), readable by OpenCV."""
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened()
    for i in range(frames):
        if value is None:
            row = (np.arange(width) * 2 + i * 5) % 256
            image = np.repeat(np.tile(row, (height, 1))[:, :, None], 3, axis=2).astype(np.uint8)
        else:
            image = np.full((height, width, 3), value, np.uint8)
        writer.write(image)
    writer.release()
    return path


def ffmpeg(*args: str) -> None:
    """Run the ffmpeg binary that imageio-ffmpeg ships (a core dependency)."""
    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", *args]
    subprocess.run(cmd, check=True)


def posecoach_command() -> list[str]:
    """The installed `posecoach` console script of the Python running the tests.

    The venv's bin folder need not be on PATH (tools/test.sh calls .venv/bin/python), so
    look beside the interpreter first.
    """
    beside = Path(sys.executable).parent / "posecoach"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("posecoach")
    if found is None:
        pytest.fail("the posecoach console script is not installed (pip install -e .)")
    return [found]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the installed `posecoach` command as a user would."""
    return subprocess.run(
        [*posecoach_command(), *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )
