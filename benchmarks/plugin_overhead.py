"""Budget: with the plugin installed but no --intacct-company, a pytest run costs at most
10 % more than the same run with the plugin disabled (-p no:pex_intacct), and vcrpy, requests and
lxml are not imported.

    python benchmarks/plugin_overhead.py [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUITE = "\n".join(f"def test_{index}():\n    assert {index} == {index}\n" for index in range(50))
PROBE = """
import sys

def pytest_unconfigure(config):
    heavy = sorted(name for name in ("vcr", "requests", "lxml") if name in sys.modules)
    print("HEAVY-MODULES:", ",".join(heavy) or "none")
"""


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=False, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        (work / "test_plain.py").write_text(SUITE)
        base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_plain.py"]
        # pytest-html and pytest-metadata are installed with the plugin; they are not ours to measure.
        with_plugin = [*base, "-p", "no:html", "-p", "no:metadata"]
        without = [*with_plugin, "-p", "no:pex_intacct"]
        for command in (with_plugin, without):
            timed(command, work)
        times_with, times_without = [], []
        for _ in range(arguments.runs):  # interleaved, so drift hits both alike
            times_with.append(timed(with_plugin, work))
            times_without.append(timed(without, work))
        (work / "conftest.py").write_text(PROBE)
        probe = subprocess.run([*with_plugin, "-s"], cwd=work, capture_output=True, text=True, check=False)
    heavy = next((line for line in probe.stdout.splitlines() if line.startswith("HEAVY-MODULES:")), "HEAVY-MODULES: ?")
    median_with, median_without = statistics.median(times_with), statistics.median(times_without)
    overhead = (median_with / median_without - 1) * 100
    print(f"runs each: {arguments.runs} (50 trivial tests)")
    print(f"plugin installed, no --intacct-company: median {median_with:.3f} s")
    print(f"plugin disabled (-p no:pex_intacct):   median {median_without:.3f} s")
    print(f"overhead: {overhead:+.1f} % (budget +10 %) -> {'within' if overhead <= 10 else 'OVER'} budget")
    print(f"heavy modules imported without --intacct-company: {heavy.split(':', 1)[1].strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
