"""The house rules of the package, checked on its source: layers one way, small modules, no borrowed privates."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pytest_pex_intacct"
MAX_LINES = 300
# Folders (and top-level modules) from the bottom up: each may import only those before it.
LAYERS = (
    ("requirements", "verdict", "atomic_write", "outside_text", "bounded_read", "__init__"),
    ("intacct",),
    ("config",),
    ("facts",),
    ("recording", "simulator"),
    ("report",),
    ("fleet",),
    ("run", "checks", "__main__"),
    ("plugin",),
)
FREE_OF_PYTEST = ("intacct", "config", "facts", "recording", "report", "fleet", "simulator", "verify")


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield ".".join(parts), path


def imports(name: str, path: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every import of the package's own modules (lazy ones included), as (module, names)."""
    package = name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            elif (node.module or "").startswith("pytest_pex_intacct"):
                target = (node.module or "").removeprefix("pytest_pex_intacct").lstrip(".")
            else:
                continue
            yield target, tuple(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pytest_pex_intacct."):
                    yield alias.name.removeprefix("pytest_pex_intacct."), ()


def folder(module: str) -> str:
    return module.split(".")[0] if module else "__init__"


def layer(module: str) -> int:
    top = folder(module)
    for index, names in enumerate(LAYERS):
        if top in names:
            return index
    raise AssertionError(f"{module}: its folder {top!r} has no place in the house's layers")


def test_no_module_is_over_the_size_of_one_idea() -> None:
    big = {name: lines for name, path in modules() if (lines := len(path.read_text().splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"


def test_layers_import_only_downwards() -> None:
    upward = [
        f"{name} imports {target}"
        for name, path in modules()
        for target, _ in imports(name, path)
        if folder(target) != folder(name) and layer(target) > layer(name)
    ]
    assert not upward, upward


def test_no_cycle_between_folders() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules():
        for target, _ in imports(name, path):
            if folder(target) != folder(name):
                edges[folder(name)].add(folder(target))

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(step == goal or (step not in seen and reaches(step, goal, seen | {step})) for step in edges[start])

    cycles = sorted(node for node in list(edges) if reaches(node, node, {node}))
    assert not cycles, f"folders on an import cycle: {cycles}"


def test_no_module_imports_another_modules_private_name() -> None:
    borrowed = [
        f"{name} imports {target}.{imported}"
        for name, path in modules()
        for target, names in imports(name, path)
        for imported in names
        if imported.startswith("_") and not imported.startswith("__")
    ]
    assert not borrowed, borrowed


def test_the_client_configuration_facts_recording_report_and_verify_know_no_pytest() -> None:
    offenders = []
    for name, path in modules():
        if folder(name) not in FREE_OF_PYTEST and not name.endswith("verify"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                named = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(module == "pytest" or module.startswith(("pytest.", "_pytest")) for module in named):
                    offenders.append(name)
    assert not offenders, offenders
