"""Shared fixtures: run the command line in-process and as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from iadsim.cli import main


def pytest_configure(config: pytest.Config) -> None:
    """Keep caches (the decompressed GLOBE tile, downloaded DEM tiles) out of the user's home."""
    cache = Path(config.rootpath) / ".pytest_cache" / "iadsim-cache"
    os.environ.setdefault("IADSIM_CACHE", str(cache))


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run ``iadsim ARGS`` in this process; returns exit code, stdout and stderr."""

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def cli_process():  # type: ignore[no-untyped-def]
    """Run ``iadsim ARGS`` as a separate process, exactly as a user would."""

    def run(*args: str, cwd: Path | None = None) -> CliResult:
        proc = subprocess.run(
            [sys.executable, "-m", "iadsim", *args], capture_output=True, text=True, cwd=cwd, timeout=300
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run
