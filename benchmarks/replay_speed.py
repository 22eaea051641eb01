"""Budget: replaying the whole catalogue takes at most 2x a bare pytest run of one trivial test.

Runs each command N times in fresh processes (as a user would) and prints the medians and ratio.

    python benchmarks/replay_speed.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, check=False, capture_output=True)
    elapsed = time.perf_counter() - started
    # A fast failure is no figure: both runs must succeed (demo-ready is accepted).
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command[3:])} failed (exit {completed.returncode})")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        (work / "test_trivial.py").write_text("def test_trivial():\n    assert True\n")
        bare = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_trivial.py"]
        replay = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--intacct-company=demo-ready",
            "--intacct-mode=replay",
            "--intacct-udd",
            "--intacct-write-probe",
            f"--intacct-cassettes={REPO / 'cassettes'}",
        ]
        timed(bare, work), timed(replay, work)  # warm the file cache once
        bare_times = [timed(bare, work) for _ in range(arguments.runs)]
        replay_times = [timed(replay, work) for _ in range(arguments.runs)]
    bare_median, replay_median = statistics.median(bare_times), statistics.median(replay_times)
    print(f"runs each: {arguments.runs}")
    print(f"bare pytest, one trivial test: median {bare_median:.3f} s")
    print(f"replay of demo-ready (12 checks, 4 recorded requests): median {replay_median:.3f} s")
    ratio = replay_median / bare_median
    print(f"ratio: {ratio:.2f}x (budget 2.00x) -> {'within' if ratio <= 2 else 'OVER'} budget")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
