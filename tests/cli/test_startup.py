"""The command line's start-up settings (:mod:`iadsim.cli._startup`): which commands run with the garbage
collector off, that every setting is undone where the module says it is, and where the console script keeps
bytecode when the interpreter is told to write none."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import iadsim.cli._app as cli
from iadsim.cli import _startup

SCENARIO = str(Path(_startup.__file__).parents[1] / "scenarios" / "ankara-s400.yaml")


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


def _iadsim(cache: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m iadsim ARGS`` as a user's shell starts it, with its cache in ``cache``."""
    environ = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPYCACHEPREFIX", "IADSIM_BYTECODE_CACHE")
    }
    environ.update(IADSIM_CACHE=str(cache), **env)
    return subprocess.run(
        [sys.executable, "-m", "iadsim", *args], capture_output=True, text=True, env=environ, check=True
    )


def _cached(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*.pyc")}


@pytest.mark.slow
def test_without_bytecode_the_command_keeps_its_own_and_compiles_once(tmp_path: Path) -> None:
    """With PYTHONDONTWRITEBYTECODE, the first start writes the bytecode of what it imports (the command
    line's own modules, the framework) under <cache>/pycache, and the second reads it without writing."""
    folder = tmp_path / "pycache"
    first = _iadsim(tmp_path, "validate", SCENARIO, PYTHONDONTWRITEBYTECODE="1")
    assert "valid:" in first.stdout
    written = _cached(folder)
    assert any(p.endswith(f"iadsim/cli/_app.{sys.implementation.cache_tag}.pyc") for p in written)
    assert any(f"/typer/main.{sys.implementation.cache_tag}.pyc" in "/" + p for p in written)
    assert any(f"/pydantic/main.{sys.implementation.cache_tag}.pyc" in "/" + p for p in written)
    _iadsim(tmp_path, "validate", SCENARIO, PYTHONDONTWRITEBYTECODE="1")
    assert _cached(folder) == written  # read, not written again


@pytest.mark.parametrize(
    "env",
    [
        {"PYTHONDONTWRITEBYTECODE": "1", "IADSIM_BYTECODE_CACHE": "0"},  # turned off
        {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": "USER"},  # the user's own prefix is kept
    ],
)
def test_the_bytecode_cache_is_left_alone_when_asked(tmp_path: Path, env: dict[str, str]) -> None:
    env = {k: str(tmp_path / "user") if v == "USER" else v for k, v in env.items()}
    _iadsim(tmp_path, "--help", **env)
    assert not (tmp_path / "pycache").exists()


def test_cache_bytecode_sets_the_prefix_for_this_process_and_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IADSIM_CACHE", str(tmp_path))
    monkeypatch.delenv("IADSIM_BYTECODE_CACHE", raising=False)
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    assert _startup.cache_bytecode() == tmp_path / "pycache"
    assert sys.pycache_prefix == str(tmp_path / "pycache") and not sys.dont_write_bytecode
    assert os.environ["PYTHONPYCACHEPREFIX"] == str(tmp_path / "pycache")
    assert _startup.cache_bytecode() is None  # a prefix is set now: nothing more to do
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    assert _startup.cache_bytecode() is None  # Python writes bytecode itself


def test_the_console_script_sets_up_before_the_framework_is_imported() -> None:
    """``iadsim.cli`` and its start-up module import neither the command-line framework nor numpy, so that
    :func:`_startup.cache_bytecode` runs before they are compiled or read."""
    code = (
        "import sys; from iadsim.cli import _startup; "
        "print(sorted({'typer', 'rich', 'numpy'} & sys.modules.keys()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
