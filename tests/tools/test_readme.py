"""The README quotes generated figures and the commands CI runs; keep both true."""

from __future__ import annotations

import json
import re

from fixtures.paths import REPO

from tools.docs import readme_accuracy

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_accuracy_table_is_the_one_generated_from_accuracy_json():
    stored = json.loads((REPO / "docs" / "accuracy.json").read_text(encoding="utf-8"))
    expected = readme_accuracy.render(stored)
    assert readme_accuracy.current_block(README) == expected, (
        "README.md's accuracy table is stale: run python tools/docs/readme_accuracy.py --write")


def test_accuracy_table_is_the_test_split_with_training_beside_it():
    stored = json.loads((REPO / "docs" / "accuracy.json").read_text(encoding="utf-8"))
    block = readme_accuracy.current_block(README)
    assert "test split" in block
    kneeling = block.split("**kneeling**", 1)[1].split("**", 1)[0]
    hip = next(line for line in kneeling.splitlines() if line.startswith("| hip_extension_deg "))
    cells = [c.strip() for c in hip.strip("|").split("|")]
    test = stored["groups"]["test"]["kneeling"]["metrics"]["hip_extension_deg"]
    train = stored["groups"]["train"]["kneeling"]["metrics"]["hip_extension_deg"]
    assert cells[1] == f"{test['ours']:.2f}" and cells[5] == f"{train['ours']:.2f}"
    ratio = test["ours"] / train["ours"]
    assert cells[6].startswith(f"{ratio:.1f}")
    assert ("overfit" in cells[6]) == (ratio > readme_accuracy.OVERFIT_RATIO)
    assert cells[7] == f"{test['ours_shared']:.2f} / {test['raw_shared']:.2f}"


def test_the_two_commands_are_the_ones_ci_runs():
    section = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in section.splitlines() if line.startswith("    ")]
    assert "bash tools/test.sh" in commands
    assert any(re.search(r"pip install .* -e \. && .venv/bin/posecoach analyze ", c)
               for c in commands)
    assert "bash tools/test.sh" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_links_to_docs_point_at_files_that_exist():
    for target in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (REPO / target).exists(), target
