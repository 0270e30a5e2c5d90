"""How many Ray tasks a batch keeps in flight, counted node by node, and the warning when no
node is big enough for one task (posecoach.run.batch_ray; a stand-in for Ray's node list)."""

from __future__ import annotations

from posecoach.run.batch_ray import _slots, too_small


class FakeRay:
    def __init__(self, *cpus: float, dead: float | None = None):
        self._nodes = [{"Alive": True, "Resources": {"CPU": c}} for c in cpus]
        if dead is not None:
            self._nodes.append({"Alive": False, "Resources": {"CPU": dead}})

    def nodes(self) -> list[dict]:
        return self._nodes


def test_slots_are_counted_per_node():
    assert _slots(FakeRay(1, 1), 1) == 2
    assert _slots(FakeRay(3, 3), 2) == 2  # not 6 // 2: a task does not span nodes
    assert _slots(FakeRay(8), 2) == 4
    assert _slots(FakeRay(2, dead=16), 2) == 1  # a dead node holds nothing
    assert _slots(FakeRay(1, 1), 2) == 1  # none fits: one waits, as for an autoscaler


def test_warning_only_when_no_node_fits_a_task():
    assert too_small(FakeRay(1, 2), 2) is None
    warning = too_small(FakeRay(1, 1), 2)
    assert warning is not None and "--workers 1" in warning and "\n" not in warning
    assert "largest node of the cluster has 0" in too_small(FakeRay(dead=4), 1)
