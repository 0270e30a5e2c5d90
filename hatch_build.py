"""Build hook: the wheel carries the top-level content/ and models/ inside the package.

The mapping is pyproject's `[tool.hatch.build.targets.wheel.hooks.custom] data`. It is a
hook rather than `force-include` because hatchling applies force-include to editable
wheels too, which would copy the models into site-packages beside an editable install;
an editable install reads the repository's folders instead (posecoach.resources).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class DataFoldersHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version != "standard":  # "editable": the checkout's folders are used
            return
        for source, target in self.config.get("data", {}).items():
            path = Path(self.root) / source
            if not path.is_dir():
                raise FileNotFoundError(f"{path}: data folder for the wheel is missing")
            build_data["force_include"][str(path)] = target
