"""Where scenarios come from: the JSON files shipped with the package, by name, or any file by path."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from .scenario import Scenario, ScenarioError


def scenario_names() -> tuple[str, ...]:
    """Names of the scenarios shipped with the package, sorted."""
    return tuple(sorted(path.name.removesuffix(".json") for path in _shipped() if path.name.endswith(".json")))


def raw_scenario(name_or_path: str | os.PathLike[str]) -> dict[str, Any]:
    """A fresh, mutable copy of a scenario document, for tests that build variants."""
    path = _locate(name_or_path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise ScenarioError(f"scenario {path}: the document must be a JSON object")
    return document


def load_scenario(name_or_path: str | os.PathLike[str]) -> Scenario:
    """A shipped scenario by name (e.g. ``"ready"``), or a scenario JSON file by path."""
    path = _locate(name_or_path)
    return Scenario.from_dict(raw_scenario(path), source=str(path))


def _shipped() -> Iterator[Traversable]:
    return resources.files(__package__).joinpath("scenarios").iterdir()


def _locate(name_or_path: str | os.PathLike[str]) -> Path:
    text = os.fspath(name_or_path)
    if text.endswith(".json") or os.sep in text or Path(text).is_file():
        path = Path(text)
        if not path.is_file():
            raise ScenarioError(f"scenario file not found: {path}")
        return path
    if text not in scenario_names():
        raise ScenarioError(f"unknown scenario {text!r} (shipped: {', '.join(scenario_names())})")
    return Path(str(resources.files(__package__).joinpath("scenarios", f"{text}.json")))
