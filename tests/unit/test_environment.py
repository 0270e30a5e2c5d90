"""Environment variables that change behaviour: all documented, a bad value one error line."""

from __future__ import annotations

import re

import pytest
from fixtures.paths import REPO

from posecoach.cli.app import ENVIRONMENT_HELP, build_parser, main
from posecoach.pose.estimation import ModelError, default_model_path

# Read by posecoach/ but not for users: a fault hook of the batch tests.
TEST_ONLY = {"POSECOACH_TEST_KILL_ONCE"}


def _variables_read() -> set[str]:
    names = set()
    for path in (REPO / "posecoach").rglob("*.py"):
        names |= set(re.findall(r'"(POSECOACH_[A-Z_]+)"', path.read_text(encoding="utf-8")))
    return names - TEST_ONLY


def test_every_variable_is_documented():
    names = _variables_read()
    assert {"POSECOACH_DB", "POSECOACH_CONTENT", "POSECOACH_MODEL"} <= names
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    help_text = build_parser().format_help()
    for name in names | {"XDG_DATA_HOME"}:
        assert f"`{name}`" in readme, name
        assert name in ENVIRONMENT_HELP and name in help_text, name


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_bad_content_folder_is_one_error_line(tmp_path, monkeypatch, capsys, make):
    folder = tmp_path / "content"
    if make == "empty":
        folder.mkdir()
    monkeypatch.setenv("POSECOACH_CONTENT", str(folder))
    assert main(["exercises"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "$POSECOACH_CONTENT" in captured.err and str(folder) in captured.err


def test_missing_model_file_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("POSECOACH_MODEL", str(tmp_path / "nope.task"))
    with pytest.raises(ModelError, match=r"\$POSECOACH_MODEL"):
        default_model_path()
