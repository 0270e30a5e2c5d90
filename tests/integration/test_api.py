"""posecoach.analyze: a clip's numbers as Python objects, no files and no history unless
asked; `import posecoach` stays cheap."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from fixtures.paths import SAMPLE_VIDEOS

import posecoach
from posecoach.schema import SessionResult

pytestmark = [pytest.mark.model, pytest.mark.slow]

CLIP = SAMPLE_VIDEOS / "bench_good_L.mp4"


@pytest.fixture(scope="module")
def quiet_run(tmp_path_factory, monkeypatch_module):
    """analyze() run in an empty folder with the history pointed into it."""
    here = tmp_path_factory.mktemp("cwd")
    monkeypatch_module.chdir(here)
    monkeypatch_module.setenv("POSECOACH_DB", str(here / "history.sqlite"))
    monkeypatch_module.setenv("TMPDIR", str(here / "tmp"))
    (here / "tmp").mkdir()
    monkeypatch_module.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    return here, posecoach.analyze(CLIP, workers=1)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_returns_a_typed_result(quiet_run):
    _, result = quiet_run
    assert isinstance(result, posecoach.Analysis)
    assert result.exercise == "edge_of_bench_psoas"
    hip = result.frames["hip_extension_deg"]
    assert isinstance(hip, np.ndarray) and hip.dtype == float
    assert len(hip) == len(result.frames) == result.summary["clip"]["frames"]
    assert np.isfinite(hip).mean() > 0.5
    assert set(result.frames["side"]) <= {"L", "R", ""}
    assert isinstance(result.session, SessionResult)
    assert result.session.exercise == "edge_of_bench_psoas"
    assert result.session.sides["L"].good_s > 0


def test_writes_nothing_and_touches_no_history(quiet_run):
    here, result = quiet_run
    assert result.out_dir is None and result.files == []
    # Only the scratch folder the fixture made, left empty.
    assert sorted(p.name for p in here.iterdir()) == ["tmp"]
    assert list((here / "tmp").iterdir()) == []


def test_to_pandas(quiet_run):
    pytest.importorskip("pandas", reason="pandas is an optional extra")
    _, result = quiet_run
    df = result.frames.to_pandas()
    assert list(df.columns) == result.frames.names and len(df) == len(result.frames)


def test_outputs_folder_gets_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECOACH_DB", str(tmp_path / "history.sqlite"))
    result = posecoach.analyze(CLIP, exercise="edge_of_bench_psoas", outputs=tmp_path / "o",
                               workers=1)
    names = {p.name for p in (tmp_path / "o").iterdir()}
    assert {"frames.csv", "landmarks.csv", "summary.json", "angles.mot"} <= names
    assert "annotated.mp4" not in names and "report.html" not in names
    assert result.out_dir == tmp_path / "o"
    assert not (tmp_path / "history.sqlite").exists()


def test_history_needs_an_output_folder():
    with pytest.raises(ValueError, match="outputs"):
        posecoach.analyze(CLIP, history=True)


def test_import_is_cheap():
    code = "import sys, posecoach; print(sorted({'cv2', 'mediapipe', 'numpy'} & set(sys.modules)))"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "[]", out.stderr
