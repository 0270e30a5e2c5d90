"""Exercise definitions: load `content/<id>.toml` into frozen, validated dataclasses.

Every key is checked: an unknown, missing or mistyped key raises `SpecError` with a message
that names the file and the dotted key, so a person editing a TOML file by hand sees exactly
what to fix. Thresholds are in the units of `posecoach.types.FrameMetrics`: degrees for the
named metrics, body heights per second for `motion`.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecoach.registry import METRIC_NAMES
from posecoach.resources import data_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONTENT_ENV = "POSECOACH_CONTENT"

# `motion` is not an angle but FrameMetrics.motion; rules may use it for stillness.
MOTION = "motion"
FITTED = "fitted"  # a rule threshold taken from the fitted calibration
RULE_METRICS: frozenset[str] = frozenset(METRIC_NAMES) | {MOTION}
POSTURES: frozenset[str] = frozenset({"kneeling", "standing", "supine", "prone", "reclined"})
SEVERITIES: frozenset[str] = frozenset({"fault", "hint"})
SIDES: frozenset[str] = frozenset({"per_side", "both"})
POSE_MODELS: frozenset[str] = frozenset({"lite", "full", "heavy"})  # bundled variants
OPS: frozenset[str] = frozenset({">", "<"})
# Bounds on what a hostile file can make the parser do. The shipped exercises are a few
# kilobytes with numbers in the hundreds at most.
MAX_SPEC_CHARS = 256 * 1024
MAX_NUMBER = 1e6  # seconds, degrees, counts
_SHOWN_CHARS = 60  # of a key or value quoted in an error message


class SpecError(ValueError):
    """A content file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Condition:
    """A threshold test on one metric, with hysteresis.

    The condition switches ON when `value op on` (e.g. value > on) and switches OFF only when
    the value has come back past `off` (for ">": value < off, with off <= on; for "<":
    value > off, with off >= on). Between the two it keeps its previous state, and so does a
    NaN value or one whose confidence is below `min_confidence`.
    """

    metric: str
    op: str
    on: float
    off: float
    min_confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The file's own keys: `fault` is `on`, `clear` is `off`."""
        return {"metric": self.metric, "op": self.op, "fault": self.on, "clear": self.off,
                "min_confidence": self.min_confidence}

    @classmethod
    def from_json(cls, d: Any) -> Condition | None:
        """Back from `to_json` (a summary.json read from disk); None when malformed."""
        if not isinstance(d, dict) or d.get("op") not in OPS or d.get("metric") not in RULE_METRICS:
            return None
        on, off, conf = (_finite(d.get(k)) for k in ("fault", "clear", "min_confidence"))
        if on is None or off is None:
            return None
        return cls(d["metric"], d["op"], on, off, conf or 0.0)


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class Rule:
    """A form rule: ON (the fault is present) while any of its conditions is ON.

    severity "fault" pauses the hold timer; "hint" is only shown. priority 1 is the most
    important; lower numbers win when several cues compete for the screen.
    """

    cue: str
    text: str
    severity: str
    priority: int
    when: tuple[Condition, ...]

    def to_json(self) -> dict[str, Any]:
        return {"cue": self.cue, "text": self.text, "severity": self.severity,
                "priority": self.priority, "when": [c.to_json() for c in self.when]}


def rules_from_json(value: Any) -> tuple[Rule, ...]:
    """Rules stored with `Rule.to_json` (summary.json's "rules"); malformed entries and
    conditions are left out, so a damaged file loses a rule, never raises."""
    rules = []
    for d in value if isinstance(value, list) else ():
        if not isinstance(d, dict) or d.get("severity") not in SEVERITIES:
            continue
        listed = d.get("when") if isinstance(d.get("when"), list) else []
        when = tuple(c for c in map(Condition.from_json, listed) if c)
        priority = _finite(d.get("priority"))
        if when and isinstance(d.get("cue"), str) and priority is not None:
            rules.append(Rule(d["cue"], str(d.get("text") or ""), d["severity"],
                              int(priority), when))
    return tuple(rules)


@dataclass(frozen=True)
class Position:
    """What "in position" means: one of `postures` and every condition in `require` ON."""

    postures: tuple[str, ...]
    needs_side_view: bool
    enter_after_s: float
    leave_after_s: float
    cue: str
    text: str
    require: tuple[Condition, ...]


@dataclass(frozen=True)
class Dose:
    """How much: seconds and counts. `grace_s` is how long a fault or lost view may last
    without pausing the hold (shorter blips are credited, longer ones are not)."""

    get_ready_s: float
    hold_s: float
    reps_per_side: int
    rest_s: float
    switch_s: float
    grace_s: float


@dataclass(frozen=True)
class ContractRelax:
    """Contract-relax (PNF) cycles that follow a settling hold of `Dose.hold_s` seconds.

    gain_window_s: the hip extension at the end of a phase is the mean over its last
    `gain_window_s` seconds of good-form frames.
    """

    contract_s: float
    relax_s: float
    cycles: int
    gain_window_s: float
    contract_text: str
    relax_text: str


@dataclass(frozen=True)
class Stillness:
    """Stillness for exercises the camera cannot judge: still below `still_below`, moving
    above `moving_above` (body heights per second)."""

    still_below: float
    moving_above: float
    cue: str
    text: str
    severity: str
    priority: int

    def as_rule(self) -> Rule:
        """The same test as a form rule over FrameMetrics.motion (ON = moving)."""
        cond = Condition(MOTION, ">", self.moving_above, self.still_below)
        return Rule(self.cue, self.text, self.severity, self.priority, (cond,))


@dataclass(frozen=True)
class CueSettings:
    """How cues behave on screen (seconds)."""

    show_after_s: float
    min_show_s: float
    max_shown: int
    good_cue: str
    good_text: str


@dataclass(frozen=True)
class ExerciseSpec:
    id: str
    name: str
    description: str
    sides: str
    camera_blind: bool
    camera_note: str
    stop_when: tuple[str, ...]
    position: Position
    dose: Dose
    cues: CueSettings
    rules: tuple[Rule, ...]
    stillness: Stillness | None
    contract_relax: ContractRelax | None
    source: str = ""
    # the bundled pose model variant recorded clips of this exercise are analysed with
    offline_model: str = "full"

    @property
    def all_rules(self) -> tuple[Rule, ...]:
        """Form rules plus the stillness rule (if any), in file order."""
        extra = (self.stillness.as_rule(),) if self.stillness else ()
        return self.rules + extra


# --------------------------------------------------------------------------- reading


class _Table:
    """Reads one TOML table, checking each key's type and remembering which were used."""

    def __init__(self, source: str, where: str, data: Any) -> None:
        self.source = source
        self.where = where
        if not isinstance(data, dict):
            self.fail("", f"expected a table, got {_kind(data)}")
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def fail(self, key: str, message: str) -> None:
        dotted = _short(".".join(p for p in (self.where, key) if p) or "<top level>")
        raise SpecError(f"{self.source}: key '{dotted}': {message}")

    def _get(self, key: str, required: bool) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                self.fail(key, "missing")
            return None
        return self.data[key]

    def text(self, key: str, allow_empty: bool = False) -> str:
        value = self._get(key, True)
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {_kind(value)}")
        if not allow_empty and not value.strip():
            self.fail(key, "must not be empty")
        return value.strip()

    def number(self, key: str, minimum: float | None = 0.0) -> float:
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(key, f"expected a number, got {_kind(value)}")
        if not (abs(value) <= MAX_NUMBER and math.isfinite(value)):  # int vs float: exact
            self.fail(key, f"must be a finite number within +-{MAX_NUMBER:g}")
        if minimum is not None and value < minimum:
            self.fail(key, f"must be >= {minimum}, got {value}")
        return float(value)

    def optional_number(self, key: str, default: float) -> float:
        return self.number(key) if key in self.data else self._skip(key, default)

    def integer(self, key: str, minimum: int = 1) -> int:
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"expected an integer, got {_kind(value)}")
        if abs(value) > MAX_NUMBER:
            self.fail(key, f"must be within +-{MAX_NUMBER:g}")
        if value < minimum:
            self.fail(key, f"must be >= {minimum}, got {value}")
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key, True)
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {_kind(value)}")
        return value

    def choice(self, key: str, allowed: frozenset[str]) -> str:
        value = self.text(key)
        if value not in allowed:
            self.fail(key, f"must be one of {sorted(allowed)}, got {_short(value)!r}")
        return value

    def optional_choice(self, key: str, allowed: frozenset[str], default: str) -> str:
        return self.choice(key, allowed) if key in self.data else self._skip(key, default)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._get(key, True)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, f"expected a list of strings, got {_kind(value)}")
        if not value:
            self.fail(key, "must not be empty")
        return tuple(v.strip() for v in value)

    def sub(self, key: str, required: bool = True) -> _Table | None:
        value = self._get(key, required)
        return None if value is None else _Table(self.source, self._dotted(key), value)

    def subs(self, key: str, required: bool = True) -> list[_Table]:
        """An array of tables (`[[key]]`)."""
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not value:
            self.fail(key, f"expected one or more [[{self._dotted(key)}]] tables")
        return [_Table(self.source, f"{self._dotted(key)}[{i}]", v) for i, v in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            self.fail(unknown[0], "unknown key (check the spelling)")

    def _dotted(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _skip(self, key: str, default: Any) -> Any:
        self.used.add(key)
        return default


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _condition(t: _Table, on_key: str, off_key: str) -> Condition:
    metric = t.choice("metric", RULE_METRICS)
    op = t.choice("op", OPS)
    if t.data.get(on_key) == FITTED:
        on, off = _fitted_thresholds(t, metric, op, on_key, off_key)
    else:
        on = t.number(on_key, minimum=None)
        off = t.number(off_key, minimum=None)
    if (op == ">" and off > on) or (op == "<" and off < on):
        side = "below" if op == ">" else "above"
        t.fail(off_key, f"must be {side} or equal to '{on_key}' ({on}) for op '{op}'")
    min_conf = t.optional_number("min_confidence", 0.0)
    t.done()
    return Condition(metric, op, on, off, min_conf)


def _fitted_thresholds(
    t: _Table, metric: str, op: str, on_key: str, off_key: str
) -> tuple[float, float]:
    """`fault = "fitted"`: the threshold fitted with the estimate itself (models/
    calibration.json), so the cue fires where the estimator was validated to separate
    the fault from good form; `clear` is then a margin below it (degrees)."""
    if metric != "lumbar_extension_deg" or op != ">":
        t.fail(on_key, f'"{FITTED}" is only known for lumbar_extension_deg with op ">"')
    from posecoach.measure.calibration import DEFAULT_CALIBRATION

    t.used.add(on_key)
    on = DEFAULT_CALIBRATION.arch_lumbar_threshold_deg
    return on, on - t.number(off_key, minimum=0.0)


def _rule(t: _Table) -> Rule:
    rule = Rule(
        cue=t.text("cue"),
        text=t.text("text"),
        severity=t.choice("severity", SEVERITIES),
        priority=t.integer("priority"),
        when=tuple(_condition(c, "fault", "clear") for c in t.subs("when")),
    )
    t.done()
    return rule


def _position(t: _Table) -> Position:
    postures = t.strings("postures")
    for p in postures:
        if p not in POSTURES:
            t.fail("postures", f"unknown posture {p!r}; use {sorted(POSTURES)}")
    pos = Position(
        postures=postures,
        needs_side_view=t.boolean("needs_side_view"),
        enter_after_s=t.number("enter_after_s"),
        leave_after_s=t.number("leave_after_s"),
        cue=t.text("cue"),
        text=t.text("text"),
        require=tuple(_condition(c, "enter", "exit") for c in t.subs("require", False)),
    )
    t.done()
    return pos


def _dose(t: _Table) -> Dose:
    dose = Dose(
        get_ready_s=t.number("get_ready_s"),
        hold_s=t.number("hold_s", minimum=1.0),
        reps_per_side=t.integer("reps_per_side"),
        rest_s=t.number("rest_s"),
        switch_s=t.number("switch_s"),
        grace_s=t.number("grace_s"),
    )
    t.done()
    return dose


def _contract_relax(t: _Table) -> ContractRelax:
    cr = ContractRelax(
        contract_s=t.number("contract_s", minimum=1.0),
        relax_s=t.number("relax_s", minimum=1.0),
        cycles=t.integer("cycles"),
        gain_window_s=t.number("gain_window_s", minimum=0.1),
        contract_text=t.text("contract_text"),
        relax_text=t.text("relax_text"),
    )
    t.done()
    return cr


def _stillness(t: _Table) -> Stillness:
    st = Stillness(
        still_below=t.number("still_below"),
        moving_above=t.number("moving_above"),
        cue=t.text("cue"),
        text=t.text("text"),
        severity=t.choice("severity", SEVERITIES),
        priority=t.integer("priority"),
    )
    if st.moving_above < st.still_below:
        t.fail("moving_above", "must be >= still_below")
    t.done()
    return st


def _cues(t: _Table) -> CueSettings:
    cues = CueSettings(
        show_after_s=t.number("show_after_s"),
        min_show_s=t.number("min_show_s"),
        max_shown=t.integer("max_shown"),
        good_cue=t.text("good_cue"),
        good_text=t.text("good_text"),
    )
    t.done()
    return cues


def _spec(top: _Table, source: str) -> ExerciseSpec:
    spec = ExerciseSpec(
        id=top.text("id"),
        name=top.text("name"),
        description=" ".join(top.text("description").split()),
        sides=top.choice("sides", SIDES),
        camera_blind=top.boolean("camera_blind"),
        camera_note=" ".join(top.text("camera_note", allow_empty=True).split()),
        stop_when=top.strings("stop_when"),
        position=_position(top.sub("position")),
        dose=_dose(top.sub("dose")),
        cues=_cues(top.sub("cues")),
        rules=tuple(_rule(r) for r in top.subs("rules", False)),
        stillness=_opt(top.sub("stillness", False), _stillness),
        contract_relax=_opt(top.sub("contract_relax", False), _contract_relax),
        source=source,
        offline_model=top.optional_choice("offline_model", POSE_MODELS, "full"),
    )
    top.done()
    _check_whole(spec, top)
    return spec


def _opt(table: _Table | None, build: Any) -> Any:
    return None if table is None else build(table)


def _check_whole(spec: ExerciseSpec, top: _Table) -> None:
    """Checks that involve more than one key."""
    stem = Path(spec.source).stem
    if spec.source.endswith(".toml") and stem != spec.id:
        top.fail("id", f"{spec.id!r} does not match the file name {stem!r}")
    if spec.camera_blind and not spec.camera_note:
        top.fail("camera_note", "a camera-blind exercise must say what the camera cannot judge")
    if spec.camera_blind and spec.stillness is None:
        top.fail("stillness", "missing: a camera-blind exercise needs a [stillness] table")
    ids = [r.cue for r in spec.all_rules] + [spec.position.cue, spec.cues.good_cue]
    dupes = sorted({c for c in ids if ids.count(c) > 1})
    if dupes:
        top.fail("rules", f"cue id {dupes[0]!r} is used more than once")


# --------------------------------------------------------------------------- public API


def parse_exercise(text: str, source: str = "<string>") -> ExerciseSpec:
    """Parse TOML text into an ExerciseSpec; `source` names the file in error messages.

    Bounded: a text over MAX_SPEC_CHARS, nesting deeper than the parser's recursion can
    follow and integers too long to convert are SpecErrors, like any invalid TOML.
    """
    if len(text) > MAX_SPEC_CHARS:
        raise SpecError(f"{source}: too large for an exercise file ({len(text)} characters, "
                        f"at most {MAX_SPEC_CHARS})")
    nested = f"{source}: arrays or tables nested too deeply"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{source}: not valid TOML: {exc}") from exc
    except RecursionError as exc:
        raise SpecError(nested) from exc
    except ValueError as exc:  # an integer of more digits than Python converts (4300)
        raise SpecError(f"{source}: a number too long to read") from exc
    try:
        return _spec(_Table(source, "", data), source)
    except RecursionError as exc:
        raise SpecError(nested) from exc


def content_dir() -> Path:
    """The exercise folder: $POSECOACH_CONTENT if set, else the repository's `content/`.

    A variable naming no folder, or a folder without exercise files, is a SpecError (an
    empty exercise list would be silence about a typo)."""
    env = os.environ.get(CONTENT_ENV)
    if not env:
        return data_dir("content")
    folder = Path(env).expanduser()
    if not folder.is_dir():
        raise SpecError(f"${CONTENT_ENV} names {env!r}, which is not a folder "
                        "(unset it to use the bundled exercises)")
    if not any(folder.glob("*.toml")):
        raise SpecError(f"${CONTENT_ENV} names {env!r}, which holds no exercise files "
                        "(*.toml)")
    return folder


def load_exercise(id_or_path: str | os.PathLike[str]) -> ExerciseSpec:
    """Load one exercise by id (looked up in `content_dir()`) or by path to a .toml file."""
    path = Path(id_or_path)
    if path.suffix != ".toml":
        path = content_dir() / f"{id_or_path}.toml"
        if not path.is_file():
            known = ", ".join(exercise_ids()) or "none"
            raise SpecError(f"unknown exercise {str(id_or_path)!r} (known: {known})")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    return parse_exercise(text, str(path))


def exercise_ids(directory: str | os.PathLike[str] | None = None) -> list[str]:
    """Ids (file stems) of the exercises in `directory` (default `content_dir()`), sorted."""
    folder = Path(directory) if directory is not None else content_dir()
    return sorted(p.stem for p in folder.glob("*.toml"))


def load_all(directory: str | os.PathLike[str] | None = None) -> dict[str, ExerciseSpec]:
    """Every exercise in `directory` (default `content_dir()`), keyed by id, sorted."""
    folder = Path(directory) if directory is not None else content_dir()
    return {p.stem: load_exercise(p) for p in sorted(folder.glob("*.toml"))}
