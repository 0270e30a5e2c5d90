"""Loading and validating content/*.toml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from posecoach.exercises.describe import describe
from posecoach.exercises.spec import (
    CONTENT_ENV,
    SpecError,
    content_dir,
    exercise_ids,
    load_all,
    load_exercise,
    parse_exercise,
)

EXPECTED = {
    "kneeling_hip_flexor",
    "kneeling_hip_flexor_pnf",
    "lying_psoas_level1",
    "edge_of_bench_psoas",
    "constructive_rest",
    "foam_roller_lumbar",
    "ball_release",
}
GOOD = (content_dir() / "kneeling_hip_flexor.toml").read_text(encoding="utf-8")


def test_every_content_file_loads() -> None:
    specs = load_all()
    assert set(specs) == EXPECTED
    for spec in specs.values():
        assert spec.stop_when and spec.description
        assert describe(spec).startswith(spec.name)


def test_camera_blind_exercises_say_what_the_camera_cannot_judge() -> None:
    specs = load_all()
    blind = {k for k, s in specs.items() if s.camera_blind}
    assert blind == {"constructive_rest", "foam_roller_lumbar", "ball_release"}
    for key in blind:
        assert "cannot" in specs[key].camera_note
        assert specs[key].stillness is not None
        assert not specs[key].position.needs_side_view


def test_pnf_has_contract_relax_and_plain_does_not() -> None:
    pnf, plain = load_exercise("kneeling_hip_flexor_pnf"), load_exercise("kneeling_hip_flexor")
    assert pnf.contract_relax is not None and pnf.contract_relax.cycles >= 3
    assert plain.contract_relax is None
    assert 5 <= pnf.contract_relax.contract_s <= 10


def test_back_arching_rule_uses_hysteresis_on_both_estimates() -> None:
    rule = next(r for r in load_exercise("kneeling_hip_flexor").rules if r.cue == "back_arching")
    metrics = {c.metric for c in rule.when}
    assert metrics == {"lumbar_extension_deg", "pelvic_tilt_deg"}
    assert all(c.off < c.on for c in rule.when)  # clear below the fault threshold
    assert rule.severity == "fault" and rule.priority == 1


def test_load_by_path_and_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "kneeling_hip_flexor.toml").write_text(GOOD, encoding="utf-8")
    monkeypatch.setenv(CONTENT_ENV, str(tmp_path))
    assert content_dir() == tmp_path
    assert exercise_ids() == ["kneeling_hip_flexor"]
    assert load_exercise("kneeling_hip_flexor").source == str(tmp_path / "kneeling_hip_flexor.toml")
    assert load_exercise(tmp_path / "kneeling_hip_flexor.toml").id == "kneeling_hip_flexor"


def test_unknown_id_lists_known_ones() -> None:
    with pytest.raises(SpecError, match="unknown exercise 'splits'.*kneeling_hip_flexor"):
        load_exercise("splits")


def _bad(text: str) -> str:
    with pytest.raises(SpecError) as info:
        parse_exercise(text, "broken.toml")
    return str(info.value)


def test_unknown_key_is_named() -> None:
    msg = _bad(GOOD.replace("hold_s = 30.0", "hold_s = 30.0\nhodl_s = 3"))
    assert msg.startswith("broken.toml: key 'dose.hodl_s'") and "unknown" in msg


def test_unknown_key_in_nested_array_is_named() -> None:
    first = GOOD.index("  fault = ")  # the first rule's first condition
    msg = _bad(GOOD[:first] + "  falut = 1\n" + GOOD[first:])
    assert "key 'rules[0].when[0].falut'" in msg


def test_wrong_type_is_named() -> None:
    msg = _bad(GOOD.replace("reps_per_side = 3", 'reps_per_side = "three"'))
    assert "key 'dose.reps_per_side'" in msg and "expected an integer" in msg


def test_bool_is_not_a_number() -> None:
    msg = _bad(GOOD.replace("grace_s = 0.75", "grace_s = true"))
    assert "key 'dose.grace_s'" in msg and "expected a number" in msg


def test_missing_key_is_named() -> None:
    msg = _bad(GOOD.replace('name = "Half-kneeling hip flexor stretch"\n', ""))
    assert "broken.toml: key 'name': missing" in msg


def test_missing_table_is_named() -> None:
    start = GOOD.index("[dose]")
    end = GOOD.index("# Form rules.")
    msg = _bad(GOOD[:start] + GOOD[end:])
    assert "key 'dose': missing" in msg


def test_bad_metric_name_is_named() -> None:
    msg = _bad(GOOD.replace('metric = "trunk_inclination_deg"', 'metric = "trunk_deg"', 1))
    assert "key 'rules[1].when[0].metric'" in msg and "trunk_deg" in msg


def test_hysteresis_the_wrong_way_round_is_rejected() -> None:
    # The first rule's first condition ("op" is ">"), its clear moved above its fault;
    # read from the file, so refitted thresholds do not break the test.
    clear = re.search(r"\n  clear = [-0-9.]+\n", GOOD)
    msg = _bad(GOOD[:clear.start()] + "\n  clear = 99.0\n" + GOOD[clear.end():])
    assert "key 'rules[0].when[0].clear'" in msg


def test_bad_toml_names_the_file() -> None:
    msg = _bad(GOOD.replace('id = "kneeling_hip_flexor"', "id = "))
    assert msg.startswith("broken.toml: not valid TOML")


def test_id_must_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other_name.toml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(SpecError, match="other_name.toml: key 'id'"):
        load_exercise(path)


def test_spec_error_is_a_value_error() -> None:
    assert issubclass(SpecError, ValueError)


def test_offline_model_is_full_unless_the_exercise_asks_for_another() -> None:
    assert load_exercise("kneeling_hip_flexor").offline_model == "full"
    chosen = parse_exercise(GOOD.replace("camera_blind = false",
                                         'camera_blind = false\noffline_model = "lite"'),
                            "kneeling_hip_flexor.toml")
    assert chosen.offline_model == "lite"
    msg = _bad(GOOD.replace("camera_blind = false",
                            'camera_blind = false\noffline_model = "huge"'))
    assert "key 'offline_model'" in msg and "heavy" in msg


def test_the_offline_model_name_resolves_to_a_bundled_file(monkeypatch, tmp_path) -> None:
    from posecoach.pose import estimation

    monkeypatch.delenv("POSECOACH_MODEL", raising=False)
    assert estimation.offline_model_path("heavy").name == "pose_landmarker_heavy.task"
    assert estimation.offline_model_path("full") == estimation.DEFAULT_MODEL
    monkeypatch.setitem(estimation.BUNDLED_MODELS, "heavy", tmp_path / "absent.task")
    assert estimation.offline_model_path("heavy") == estimation.DEFAULT_MODEL
    mine = tmp_path / "mine.task"
    mine.write_bytes(b"x")
    monkeypatch.setenv("POSECOACH_MODEL", str(mine))
    assert estimation.offline_model_path("heavy") == mine
