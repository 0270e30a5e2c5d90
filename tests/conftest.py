"""Shared pytest fixtures and hooks: a private history database, a virtual X display, and
where the sample clips and the real media are. The plain helpers live in the fixtures
package (tests/fixtures/); the names below stay importable from conftest as well.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fixtures.cli import posecoach_command, run_cli
from fixtures.clips import ffmpeg, write_clip
from fixtures.paths import REALMEDIA, REPO, SAMPLE_VIDEOS

__all__ = [
    "REALMEDIA",
    "REPO",
    "SAMPLE_VIDEOS",
    "ffmpeg",
    "posecoach_command",
    "run_cli",
    "write_clip",
]


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
