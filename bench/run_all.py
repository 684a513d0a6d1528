#!/usr/bin/env python3
"""Run every benchmark, one after the other, and print one dated markdown section of results.

    .venv/bin/python bench/run_all.py                       # what `make bench` runs
    .venv/bin/python bench/run_all.py --quick               # every script's smoke run
    .venv/bin/python bench/run_all.py --output /tmp/run.md  # also write the section
    .venv/bin/python bench/run_all.py --scripts bench_api.py,bench_prism.py

Each script runs as a subprocess (its own memory, its own servers) and writes its part with
``--output``; its progress shows as it goes. The section starts with the machine (nproc, RAM,
Python, commit, load average before and after) and says how long the whole run took. A
script that fails is reported in the section, and the exit status is then 1.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import machine

BENCH = Path(__file__).resolve().parent
# In this order: the scale run, the longest and the hungriest, after the API figures.
SCRIPTS = ("bench_server.py", "bench_api.py", "bench_prism.py", "bench_scale.py",
           "bench_insights.py")  # fmt: skip
SCRIPT_TIMEOUT = 900.0  # seconds: a script past this is stopped and reported
BUDGET_MINUTES = 15  # what the project promises for `make bench`


def run_script(name: str, quick: bool, folder: Path) -> tuple[str, float]:
    """Run one script; returns its markdown part (or what went wrong) and its seconds."""
    output = folder / f"{name}.md"
    command = [sys.executable, str(BENCH / name), "--output", str(output)]
    command += ["--quick"] if quick else []
    print(f"\n=== {name}{' --quick' if quick else ''}", flush=True)
    started = time.monotonic()
    try:
        finished = subprocess.run(command, cwd=BENCH.parent, timeout=SCRIPT_TIMEOUT, check=False)
        failure = f"exited with {finished.returncode}" if finished.returncode else ""
    except subprocess.TimeoutExpired:
        failure = f"stopped after {SCRIPT_TIMEOUT:g} s"
    seconds = time.monotonic() - started
    if failure or not output.is_file():
        return f"##### {name}\n\nFAILED: {failure or 'wrote no results'}.\n", seconds
    return output.read_text(encoding="utf-8"), seconds


def machine_line() -> str:
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"nproc {nproc}, {machine.memory()} RAM, Python {platform.python_version()}, "
        f"{platform.platform()}, commit {machine.git_commit()} "
        f"(working tree {machine.working_tree_state()})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every script's smoke run")
    parser.add_argument("--output", type=Path, help="also write the section to this file")
    parser.add_argument(
        "--scripts", default=",".join(SCRIPTS), help="comma-separated subset, in order"
    )
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.scripts.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SCRIPTS))
    if unknown:
        parser.error(f"unknown scripts: {', '.join(unknown)} (known: {', '.join(SCRIPTS)})")
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    started, load_before = time.monotonic(), machine.load_average()
    parts: list[str] = []
    timings: list[str] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="mockserver-bench-run-") as folder:
        for name in chosen:
            part, seconds = run_script(name, args.quick, Path(folder))
            failed = failed or "\nFAILED: " in part
            parts.append(part.strip())
            timings.append(f"{name} {seconds:.0f} s")
    minutes = (time.monotonic() - started) / 60
    within = "within" if minutes < BUDGET_MINUTES else "OVER"
    kind = "quick run (smoke: not figures to record)" if args.quick else "full run"
    section = "\n\n".join(
        [
            f"#### Run of {when}, {kind}",
            f"Machine: {machine_line()}.",
            f"Took {minutes:.1f} min ({within} the {BUDGET_MINUTES} min budget: "
            f"{', '.join(timings)}); load average (1/5/15 min) {load_before} before, "
            f"{machine.load_average()} after.",
            *parts,
        ]
    )
    print("\n=== The results, as a markdown section\n")
    print(section)
    if args.output:
        args.output.write_text(section + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
