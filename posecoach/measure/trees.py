"""Boosted regression trees evaluated in plain Python, for the fitted pelvis estimates.

The trees are fitted offline (tools/calibrate/fit_pelvis_trees.py) and stored in
models/calibration.json as flat node tables, so the runtime needs no learning library.
A tree is walked from its root: at an inner node a feature at or below the node's
threshold goes left, above it right, and a missing one (NaN) the way the fit sent
missing values. The estimate is the baseline plus the leaf value each tree reaches.

Features are looked up by name in a dict of the frame's values (contour, relative and
landmark features, as for the linear models), so a feature the frame lacks is simply
missing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

LEAF = -1


@dataclass(frozen=True)
class _Tables:
    """The node arrays as numpy arrays, for walking every tree at once."""

    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    depth: int


@dataclass(frozen=True)
class TreeEnsemble:
    """A sum of regression trees over named features.

    Node arrays are parallel; `feature[i] == LEAF` marks a leaf whose `value[i]` is
    added. `roots` are the first node of each tree.
    """

    features: tuple[str, ...]
    baseline: float
    roots: tuple[int, ...]
    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    missing_left: tuple[bool, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def __post_init__(self) -> None:
        n = len(self.feature)
        lengths = {len(a) for a in (self.threshold, self.missing_left, self.left,
                                     self.right, self.value)}
        if lengths != {n}:
            raise ValueError("tree node arrays differ in length")
        for i, f in enumerate(self.feature):
            if f == LEAF:
                continue
            if not 0 <= f < len(self.features):
                raise ValueError(f"tree node {i} names feature {f} of {len(self.features)}")
            if not (i < self.left[i] < n and i < self.right[i] < n):
                raise ValueError(f"tree node {i} points outside its tree")
        if any(not 0 <= r < n for r in self.roots):
            raise ValueError("tree root outside the node table")

    def predict(self, values: Mapping[str, float]) -> float:
        """The estimate for one frame's named values (absent names are missing)."""
        x = np.array([_number(values.get(name)) for name in self.features] + [math.nan])
        t = self._tables
        nodes = t.roots
        # Every tree steps down one level per pass; a tree at its leaf stays there (a
        # leaf's feature index points at the trailing NaN and its children at itself).
        for _ in range(t.depth):
            v = x[t.feature[nodes]]
            go_left = np.where(np.isnan(v), t.missing_left[nodes], v <= t.threshold[nodes])
            nodes = np.where(go_left, t.left[nodes], t.right[nodes])
        return float(self.baseline + t.value[nodes].sum())

    @cached_property
    def _tables(self) -> _Tables:
        n = len(self.feature)
        feature = np.array(self.feature, dtype=np.intp)
        leaf = feature == LEAF
        own = np.arange(n)
        depth = np.zeros(n, dtype=int)
        for i in range(n):  # children come after their parent in the table
            if not leaf[i]:
                depth[self.left[i]] = depth[self.right[i]] = depth[i] + 1
        return _Tables(
            roots=np.array(self.roots, dtype=np.intp),
            feature=np.where(leaf, len(self.features), feature),
            threshold=np.array(self.threshold, dtype=float),
            missing_left=np.array(self.missing_left, dtype=bool),
            left=np.where(leaf, own, np.array(self.left, dtype=np.intp)),
            right=np.where(leaf, own, np.array(self.right, dtype=np.intp)),
            value=np.array(self.value, dtype=float),
            depth=int(depth.max()) if n else 0,
        )

    def to_json(self) -> dict:
        return {
            "features": list(self.features),
            "baseline": self.baseline,
            "roots": list(self.roots),
            "nodes": [
                [f, t, int(m), lo, hi, v]
                for f, t, m, lo, hi, v in zip(self.feature, self.threshold, self.missing_left,
                                              self.left, self.right, self.value, strict=True)
            ],
        }

    @staticmethod
    def from_json(d: Mapping) -> TreeEnsemble:
        nodes = [list(n) for n in d["nodes"]]
        if any(len(n) != 6 for n in nodes):
            raise ValueError("a tree node needs 6 fields")
        columns = list(zip(*nodes, strict=True)) if nodes else [()] * 6
        return TreeEnsemble(
            features=tuple(str(n) for n in d["features"]),
            baseline=float(d["baseline"]),
            roots=tuple(int(r) for r in d["roots"]),
            feature=tuple(int(v) for v in columns[0]),
            threshold=tuple(float(v) for v in columns[1]),
            missing_left=tuple(bool(v) for v in columns[2]),
            left=tuple(int(v) for v in columns[3]),
            right=tuple(int(v) for v in columns[4]),
            value=tuple(float(v) for v in columns[5]),
        )


def _number(value: object) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
