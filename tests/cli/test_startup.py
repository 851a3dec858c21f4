"""The command line's start-up settings (:mod:`iadsim.cli._startup`): which commands run with the garbage
collector off, and that every setting is undone where the module says it is."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest

import iadsim.cli as cli
from iadsim.cli import _startup


@pytest.mark.parametrize(
    ("argv", "collector_on"),
    [
        (["catalog", "list"], False),
        (["validate", "x.yaml"], False),
        (["--help"], False),
        (["--catalog", "extra.yaml", "scenarios"], False),
        (["run", "ankara-s400"], True),
        (["mc", "ankara-s400"], True),
        (["demo"], True),
    ],
)
def test_short_commands_run_without_the_collector(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], collector_on: bool
) -> None:
    seen: list[bool] = []

    def fake_run(args: list[str]) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(cli, "_run", fake_run)
    monkeypatch.setattr(cli, "register", lambda names=(): None)
    assert gc.isenabled()
    assert cli.main(argv) == 0
    assert seen == [collector_on]
    assert gc.isenabled()  # back on after the command


def test_collector_off_restores_the_state_it_found() -> None:
    assert gc.isenabled()
    with _startup.collector_off():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with _startup.collector_off():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: stays off
    finally:
        gc.enable()


def test_collector_on_again_after_a_failing_command() -> None:
    with pytest.raises(RuntimeError), _startup.collector_off():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_numpy_imported_for_one_pass_leaves_the_environment_as_it_was() -> None:
    code = (
        "import json, os, sys\n"
        "os.environ['OPENBLAS_NUM_THREADS'] = '7'\n"
        "os.environ.pop('NUMPY_MADVISE_HUGEPAGE', None)\n"
        "before = dict(os.environ)\n"
        "from iadsim.cli import _startup\n"
        "assert 'numpy' not in sys.modules\n"
        "_startup.import_numpy_for_one_pass()\n"
        "print(json.dumps({'numpy': 'numpy' in sys.modules, 'same': dict(os.environ) == before}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == {"numpy": True, "same": True}


def test_freeze_at_exit_registers_once() -> None:
    code = (
        "import atexit, json\n"
        "from iadsim.cli import _startup\n"
        "n = atexit._ncallbacks()\n"
        "_startup.freeze_at_exit()\n"
        "_startup.freeze_at_exit()\n"
        "print(json.dumps(atexit._ncallbacks() - n))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == 1
