"""Issue 11, start-up: `carrierdesk --help`, and `carrierdesk summary refresh` on a database with
nothing to refresh, each the least of 5 runs, beside the start-up of a bare `python -c pass`
(the floor any command pays). Targets: `--help` ≤ 0.3 s; the refresh is start-up alone.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import fresh_sqlite, report

CARRIERDESK = str(Path(sys.executable).with_name("carrierdesk"))


def least_seconds(command: list[str], env: dict[str, str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args, _ = parser.parse_known_args(argv)
    env = {**os.environ, "CARRIERDESK_DATABASE_URL": fresh_sqlite("startup")}
    floor = least_seconds([sys.executable, "-c", "pass"], env, args.runs)
    helped = least_seconds([CARRIERDESK, "--help"], env, args.runs)
    report("carrierdesk --help", helped, "s", floor, "target ≤ 0.3 s (baseline: python -c pass)")
    refreshed = least_seconds([CARRIERDESK, "summary", "refresh"], env, args.runs)
    report("carrierdesk summary refresh, nothing to do", refreshed, "s", floor)
