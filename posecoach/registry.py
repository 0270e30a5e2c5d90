"""The one registry of measured quantities: every table, plot, CSV header and tool reads it.

Names and signs follow the project's domain notes (see posecoach/measure/frame.py for each
formula). A metric is *measured* when it comes from body landmarks, *estimated* when it has
no landmark of its own and is inferred from the silhouette (pelvis and lumbar spine): an
estimate is never presented as a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """One measured quantity.

    name: the exact output name (CSV column, JSON key), always ending in `_deg`.
    label: the title a person reads (plots, tables).
    estimated: True for silhouette estimates (no landmark of their own).
    per_leg: True when it belongs to one leg, so it is forgotten when the working side
        changes (the old leg's value says nothing about the new one).
    summary_stat: True when summary.json gives its peak and median per side.
    unit: always degrees today; kept so that a table never hard-codes it.
    """

    name: str
    label: str
    estimated: bool = False
    per_leg: bool = False
    summary_stat: bool = False
    unit: str = "°"

    @property
    def short(self) -> str:
        """The name without its unit suffix (`hip_extension`), used in derived column names."""
        return self.name.removesuffix("_deg")


METRICS: tuple[Metric, ...] = (
    Metric("hip_extension_deg", "Hip extension (thigh vs trunk line)", per_leg=True,
           summary_stat=True),
    Metric("thigh_to_vertical_deg", "Thigh to vertical", per_leg=True),
    Metric("thigh_to_horizontal_deg", "Thigh to horizontal", per_leg=True, summary_stat=True),
    Metric("knee_flexion_deg", "Knee flexion, working leg", per_leg=True, summary_stat=True),
    Metric("other_knee_flexion_deg", "Knee flexion, other leg", per_leg=True),
    Metric("trunk_inclination_deg", "Trunk inclination (+ = leaning back)"),
    Metric("pelvic_tilt_deg", "Pelvic tilt (+ = anterior)", estimated=True),
    Metric("lumbar_extension_deg", "Lumbar extension (+ = arching)", estimated=True),
    Metric("hip_extension_pelvis_deg", "Hip extension relative to the pelvis", estimated=True,
           per_leg=True),
)

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
MEASURED_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if not m.estimated)
ESTIMATED_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.estimated)
LEG_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.per_leg)
STAT_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.summary_stat)


def label(name: str) -> str:
    """The human title of a metric (the name itself for an unknown one)."""
    metric = BY_NAME.get(name)
    return metric.label if metric is not None else name
