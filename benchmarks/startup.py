"""Start-up time of the command line: ``iadsim --help``, ``iadsim catalog list`` and ``iadsim validate FILE``.

    uv run python benchmarks/startup.py [--runs 15]

Each command runs ``--runs`` times as a new process (the installed ``iadsim`` script next to this
interpreter, output discarded), the commands taking turns run by run, in two settings:

- ``no .pyc``: with ``PYTHONDONTWRITEBYTECODE=1`` and iadsim's own bytecode cache removed first, so that
  every run compiles iadsim's modules again (what this development machine, which sets the variable, sees);
- ``.pyc``: with the variable unset, after one warm-up run of each command that writes the ``.pyc`` files (a
  user's machine after the first run, or an install that compiles bytecode).

Prints, for each command in each setting, the median and the fastest run in seconds of wall time and the
median CPU time (user + system) of the process, which a busy machine inflates less than the wall time; and
the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import iadsim

PACKAGE = Path(iadsim.__file__).parent
SCENARIO = PACKAGE / "scenarios" / "ankara-s400.yaml"
COMMANDS: dict[str, list[str]] = {
    "iadsim --help": ["--help"],
    "iadsim catalog list": ["catalog", "list"],
    f"iadsim validate {SCENARIO.name}": ["validate", str(SCENARIO)],
}


def _script() -> Path:
    """The ``iadsim`` console script installed beside this interpreter."""
    script = Path(sys.executable).parent / "iadsim"
    if not script.exists():
        raise SystemExit(f"{script}: no iadsim script next to this interpreter; run through `uv run`")
    return script


def _drop_bytecode() -> None:
    """Remove iadsim's own ``__pycache__`` folders (third-party bytecode is left as installed)."""
    for folder in PACKAGE.rglob("__pycache__"):
        shutil.rmtree(folder, ignore_errors=True)


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``argv``, seconds; the command must exit 0."""
    cpu = _cpu_children()
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return elapsed, _cpu_children() - cpu


def measure(runs: int, write_bytecode: bool) -> dict[str, list[tuple[float, float]]]:
    """Wall and CPU times (s) of ``runs`` runs of each command, the commands taking turns."""
    env = dict(os.environ)
    script = str(_script())
    if write_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for args in COMMANDS.values():  # the warm-up run writes the .pyc files
            _time_once([script, *args], env)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        _drop_bytecode()
        for args in COMMANDS.values():  # warms the file cache, writes nothing
            _time_once([script, *args], env)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, args in COMMANDS.items():
            times[name].append(_time_once([script, *args], env))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command in each setting")
    args = parser.parse_args()
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = {
        "no .pyc": measure(args.runs, write_bytecode=False),
        ".pyc": measure(args.runs, write_bytecode=True),
    }
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"\n{args.runs} runs of each command in each setting; wall time (median, fastest) and CPU time, s\n"
    )
    header = " | ".join(f"{s} wall median | {s} wall min | {s} CPU median" for s in results)
    print(f"| command | {header} |")
    print("|---" * (1 + 3 * len(results)) + "|")
    for name in COMMANDS:
        cells = []
        for setting in results.values():
            wall = [w for w, _ in setting[name]]
            cpu = [c for _, c in setting[name]]
            cells += [f"{statistics.median(wall):.3f}", f"{min(wall):.3f}", f"{statistics.median(cpu):.3f}"]
        print(f"| `{name}` | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
