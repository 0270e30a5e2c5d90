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
        # numpy, not a loop over nodes: the shipped models hold tens of thousands of
        # nodes, checked at every start.
        n = len(self.feature)
        lengths = {len(a) for a in (self.threshold, self.missing_left, self.left,
                                     self.right, self.value)}
        if lengths != {n}:
            raise ValueError("tree node arrays differ in length")
        feature = np.asarray(self.feature, dtype=np.intp)
        inner = np.flatnonzero(feature != LEAF)
        bad = inner[(feature[inner] < 0) | (feature[inner] >= len(self.features))]
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"tree node {i} names feature {self.feature[i]} of "
                             f"{len(self.features)}")
        left = np.asarray(self.left, dtype=np.intp)[inner]
        right = np.asarray(self.right, dtype=np.intp)[inner]
        outside = inner[~((inner < left) & (left < n) & (inner < right) & (right < n))]
        if outside.size:
            raise ValueError(f"tree node {int(outside[0])} points outside its tree")
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
        left = np.where(leaf, own, np.array(self.left, dtype=np.intp))
        right = np.where(leaf, own, np.array(self.right, dtype=np.intp))
        # Depth: step every root down both ways until no node has an inner child left.
        depth, level = 0, np.array(self.roots, dtype=np.intp)
        while (level := level[~leaf[level]]).size:
            depth += 1
            level = np.concatenate([left[level], right[level]])
        return _Tables(
            roots=np.array(self.roots, dtype=np.intp),
            feature=np.where(leaf, len(self.features), feature),
            threshold=np.array(self.threshold, dtype=float),
            missing_left=np.array(self.missing_left, dtype=bool),
            left=left,
            right=right,
            value=np.array(self.value, dtype=float),
            depth=depth,
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
        nodes = d["nodes"]
        if any(len(n) != 6 for n in nodes):
            raise ValueError("a tree node needs 6 fields")
        table = np.array(nodes, dtype=float).reshape(len(nodes), 6)
        ints = table[:, [0, 3, 4]]
        if not np.array_equal(ints, np.round(ints)):
            raise ValueError("a tree node's feature and children must be whole numbers")
        feature, left, right = (tuple(table[:, k].astype(np.intp).tolist()) for k in (0, 3, 4))
        return TreeEnsemble(
            features=tuple(str(n) for n in d["features"]),
            baseline=float(d["baseline"]),
            roots=tuple(int(r) for r in d["roots"]),
            feature=feature,
            threshold=tuple(table[:, 1].tolist()),
            missing_left=tuple((table[:, 2] != 0).tolist()),
            left=left,
            right=right,
            value=tuple(table[:, 5].tolist()),
        )


def _number(value: object) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
