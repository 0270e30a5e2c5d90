"""The built wheel works on its own: installed into a fresh venv, run from elsewhere.

The wheel must carry content/ and models/ (posecoach/_data/); a checkout or an editable
install would hide a wheel that lacks them, so the commands run from a temporary folder,
with no PYTHONPATH, in a venv that has only the wheel and (to stay fast and offline) the
heavy dependencies of the interpreter running the tests, appended to its sys.path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from fixtures.paths import REPO, SAMPLE_VIDEOS

pytestmark = [pytest.mark.slow, pytest.mark.model]


def _run(*args: str | Path, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its bin folder."""
    root = tmp_path_factory.mktemp("wheel")
    built = _run(sys.executable, "-m", "pip", "wheel", REPO, "--no-deps", "-q",
                 "-w", root / "dist", cwd=root)
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "dist").glob("posecoach-*.whl")
    venv.create(root / "venv", with_pip=True)
    bin_dir = root / "venv" / "bin"
    installed = _run(bin_dir / "python", "-m", "pip", "install", "-q", "--no-deps",
                     "--no-index", wheel, cwd=root)
    assert installed.returncode == 0, installed.stderr
    # After the venv's own site-packages: the wheel's posecoach comes first.
    purelib = _run(bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()"
                   "['purelib'])", cwd=root).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "zz_test_deps.pth").write_text(deps + "\n", encoding="utf-8")
    return bin_dir


def test_installed_package_is_the_wheel(installed: Path, tmp_path: Path) -> None:
    code = "import posecoach.resources as r; print(r.data_dir('models'), r.data_dir('content'))"
    out = _run(installed / "python", "-c", code, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    for line in out.stdout.split():
        assert Path(line).is_dir()
        assert Path(line).parent.name == "_data"
        assert str(installed.parent) in line


def test_exercises_lists_the_bundled_exercises(installed: Path, tmp_path: Path) -> None:
    out = _run(installed / "posecoach", "exercises", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "kneeling_hip_flexor" in out.stdout


def test_analyze_writes_a_summary(installed: Path, tmp_path: Path) -> None:
    clip = SAMPLE_VIDEOS / "bench_good_L.mp4"
    out = _run(installed / "posecoach", "analyze", clip, "--out", "res", "--no-history",
               "--no-video", "--workers", "1", "--quiet", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    summary = json.loads((tmp_path / "res" / "summary.json").read_text(encoding="utf-8"))
    assert summary["exercise"] == "edge_of_bench_psoas"
    assert "edge_of_bench_psoas, good form L " in out.stdout  # the clip's result line
    assert (tmp_path / "res" / "report.html").is_file()
