"""Start-up time of the command line: ``iadsim --help``, ``iadsim catalog list`` and ``iadsim validate FILE``.

    uv run python benchmarks/startup.py [--runs 15]

Each command runs ``--runs`` times as a new process (the installed ``iadsim`` script next to this
interpreter, output discarded), the commands taking turns run by run, in two settings:

- ``no .pyc``: with ``PYTHONDONTWRITEBYTECODE=1`` and ``PYTHONPYCACHEPREFIX`` set to an empty folder, so
  that no bytecode is found or written and every run compiles every module it imports, third-party ones
  included (what this development machine sees: it sets the variable and its environments are installed
  without compiled bytecode);
- ``.pyc``: with ``PYTHONDONTWRITEBYTECODE`` unset and ``PYTHONPYCACHEPREFIX`` set to another empty folder,
  after one warm-up run of each command that writes the ``.pyc`` files there (a user's machine after the
  first run, or an install that compiles bytecode).

Bytecode already in the environment is neither used nor touched. Numba's cache of compiled kernels is its
own (next to the sources) and is used in both settings.

Prints, for each command in each setting, the median and the fastest run in seconds of wall time and the
median CPU time (user + system) of the process, which a busy machine inflates less than the wall time; and
the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
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


def measure(runs: int, write_bytecode: bool, pycache: Path) -> dict[str, list[tuple[float, float]]]:
    """Wall and CPU times (s) of ``runs`` runs of each command, the commands taking turns, with bytecode
    kept under ``pycache`` (an empty folder) or none."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(pycache))
    script = str(_script())
    if write_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    for args in COMMANDS.values():  # warms the file cache; writes the .pyc files where allowed
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
    with tempfile.TemporaryDirectory() as none, tempfile.TemporaryDirectory() as written:
        results = {
            "no .pyc": measure(args.runs, write_bytecode=False, pycache=Path(none)),
            ".pyc": measure(args.runs, write_bytecode=True, pycache=Path(written)),
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
