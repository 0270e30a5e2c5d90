"""The protocol of an exercise in words, for `posecoach exercises`. Text only, no I/O."""

from __future__ import annotations

import textwrap

from posecoach.exercises.spec import ExerciseSpec


def _seconds(value: float) -> str:
    if value >= 120 and value % 60 == 0:
        return f"{value / 60:g} min"
    return f"{value:g} s"


def dose_line(spec: ExerciseSpec) -> str:
    """One line: how long, how many, which sides."""
    d = spec.dose
    per = "per side" if spec.sides == "per_side" else "in total"
    holds = "hold" if d.reps_per_side == 1 else "holds"
    line = f"{d.reps_per_side} {holds} of {_seconds(d.hold_s)} {per}"
    if d.reps_per_side > 1:
        line += f", {_seconds(d.rest_s)} rest between"
    cr = spec.contract_relax
    if cr is not None:
        line = (
            f"settle for {_seconds(d.hold_s)}, then {cr.cycles} cycles of "
            f"{_seconds(cr.contract_s)} squeeze and {_seconds(cr.relax_s)} let-go, {per}"
        )
    return line[0].upper() + line[1:] + "."


def describe(spec: ExerciseSpec, width: int = 78) -> str:
    """A readable description: name, protocol, what counts, what the camera cannot see,
    and when to stop."""
    wrap = textwrap.TextWrapper(width=width, initial_indent="  ", subsequent_indent="  ")
    bullets = textwrap.TextWrapper(width=width, initial_indent="  - ", subsequent_indent="    ")
    parts = [f"{spec.name} ({spec.id})", wrap.fill(spec.description), "", "Dose:"]
    parts.append(wrap.fill(dose_line(spec)))
    counting = "Only time in position and in good form counts"
    if spec.camera_blind:
        counting = "Only time in position and keeping still counts"
    parts += ["", "What counts:", wrap.fill(f"{counting}; short blips are forgiven.")]
    if spec.rules:
        parts += ["", "Form cues:"]
        parts += [bullets.fill(r.text) for r in sorted(spec.rules, key=lambda r: r.priority)]
    if spec.camera_note:
        parts += ["", "What the camera cannot judge:", wrap.fill(spec.camera_note)]
    parts += ["", "Stop and see a professional if:"]
    parts += [bullets.fill(s) for s in spec.stop_when]
    return "\n".join(parts)
