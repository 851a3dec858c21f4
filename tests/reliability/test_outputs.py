"""Where outputs go wrong: an output that is one of the inputs (by name, symbolic link or hard link), a
folder where a file is expected, a read-only folder, a full disk. Every case is exit 2 with ``error:`` and
the path, no traceback, and leaves the inputs and any earlier output as they were."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import yaml
from rasterio.transform import from_origin

from tests.reliability.cases import BASE_SCENARIO, VALIDATION
from tests.reliability.conftest import fill

FLOOR = ["coverage", "floor", "--dem", "flat", "--site", "40,33", "--max-range-km", "20", "--cell-m", "200"]
RADAR = ["radar", "91n6e", "--rcs", "1", "-a", "1000"]


def _dem(path: Path) -> Path:
    with rasterio.open(
        path, "w", driver="GTiff", width=200, height=200, count=1, dtype="float32", crs="EPSG:32636",
        transform=from_origin(450_000, 4_400_000, 100, 100),
    ) as ds:  # fmt: skip
        ds.write(np.full((1, 200, 200), 120.0, np.float32))
    return path


def _clean_error(result: Any, *words: str) -> None:
    assert result.code == 2, result
    assert result.err.startswith("error: "), result.err
    assert "Traceback" not in result.err
    for word in words:
        assert word in result.err, result.err


@pytest.mark.parametrize("how", ["same name", "symbolic link", "hard link", "relative path"])
def test_the_floor_never_writes_over_its_dem(cli: Any, tmp_path: Path, how: str) -> None:
    dem = _dem(tmp_path / "x.tif")
    before = dem.read_bytes()
    out = {
        "same name": dem,
        "symbolic link": tmp_path / "link.tif",
        "hard link": tmp_path / "hard.tif",
        "relative path": tmp_path / "sub" / ".." / "x.tif",
    }[how]
    if how == "symbolic link":
        out.symlink_to(dem)
    elif how == "hard link":
        os.link(dem, out)
    elif how == "relative path":
        (tmp_path / "sub").mkdir()
    args = ["coverage", "floor", "--dem", str(dem), "--site", "40.0,32.5", "--max-range-km", "5"]
    result = cli(*args, "--out", str(out))
    _clean_error(result, str(out), "is one of this command's inputs")
    assert dem.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == sorted(
        {"x.tif", out.name} if how in ("symbolic link", "hard link") else {"x.tif"}
    )


def test_no_command_writes_over_a_catalog_it_reads(cli: Any, tmp_path: Path) -> None:
    catalog = tmp_path / "c.yaml"
    catalog.write_bytes(VALIDATION.read_bytes())
    link = tmp_path / "c.png"
    link.symlink_to(catalog)
    for args in (
        [*RADAR, "--png", str(catalog)],
        [*RADAR, "--png", str(link)],
        [*FLOOR, "--out", str(catalog)],
    ):
        _clean_error(cli("--catalog", str(catalog), *args), "is one of this command's inputs")
    assert catalog.read_bytes() == VALIDATION.read_bytes()


@pytest.mark.parametrize("command", [["run"], ["mc", "--runs", "2"]], ids=["run", "mc"])
def test_a_results_file_is_never_the_scenario(cli: Any, tmp_path: Path, command: list[str]) -> None:
    scenario = _scenario(tmp_path)
    before = scenario.read_bytes()
    link = tmp_path / "r.duckdb"
    link.symlink_to(scenario)
    for out in (scenario, link):
        result = cli("--catalog", str(VALIDATION), command[0], str(scenario), *command[1:], "--out", str(out))
        _clean_error(result, f"--out: {out}", "is one of this command's inputs")
    assert scenario.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([*FLOOR, "--out", "{dir}"], "is a folder"),
        ([*RADAR, "--png", "{dir}"], "Is a directory"),
        (["demo", "--no-coverage", "--mc-runs", "0", "--out", "{file}"], "--out is a file"),
    ],
    ids=["floor", "radar", "demo"],
)
def test_a_folder_for_a_file_and_a_file_for_a_folder(
    cli: Any, tmp_path: Path, args: list[str], words: str
) -> None:
    folder, file = tmp_path / "d.tif", tmp_path / "f"
    folder.mkdir()
    file.write_text("keep")
    args = [a.format(dir=folder, file=file) for a in args]
    _clean_error(cli(*args), words)
    assert file.read_text() == "keep" and not any(folder.iterdir())


def _scenario(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(copy.deepcopy(BASE_SCENARIO), sort_keys=False))
    return path


def test_a_read_only_destination(cli: Any, tmp_path: Path, read_only_dir: Path) -> None:
    scenario = _scenario(tmp_path)
    for args in (
        [*FLOOR, "--out", str(read_only_dir / "f.tif")],
        [*RADAR, "--png", str(read_only_dir / "r.png")],
        ["demo", "--no-coverage", "--mc-runs", "0", "--out", str(read_only_dir / "demo")],
        ["--catalog", str(VALIDATION), "run", str(scenario), "--out", str(read_only_dir / "r.duckdb")],
    ):
        result = cli(*args)
        _clean_error(result, str(read_only_dir))
        assert "Read-only file system" in result.err or "Permission denied" in result.err, result.err
    assert not any(read_only_dir.iterdir())


@pytest.mark.parametrize("compress", ["zstd", "deflate", "none"])
def test_a_full_disk_is_an_error_and_the_earlier_output_stays(
    cli: Any, full_dir: Path, compress: str
) -> None:
    out = full_dir / "f.tif"
    assert cli(*FLOOR, "--max-range-km", "5", "--out", str(out)).code == 0
    before = out.read_bytes()
    fill(full_dir)
    result = cli(*FLOOR, "--compress", compress, "--out", str(out))
    _clean_error(result, str(out), "not written completely")
    assert out.read_bytes() == before
    assert sorted(p.name for p in full_dir.iterdir()) == ["f.tif", "filler"]


def test_a_full_disk_for_a_chart(cli: Any, full_dir: Path) -> None:
    out = full_dir / "r.png"
    out.write_bytes(b"earlier chart")
    fill(full_dir)
    _clean_error(cli(*RADAR, "--png", str(out)), "No space left on device")
    assert out.read_bytes() == b"earlier chart"
    assert sorted(p.name for p in full_dir.iterdir()) == ["filler", "r.png"]


@pytest.mark.parametrize("seed", ["-1", str(2**63)])
def test_a_seed_out_of_range_is_refused_before_anything_is_written(
    cli: Any, tmp_path: Path, seed: str
) -> None:
    store = tmp_path / "r.duckdb"
    result = cli(
        "--catalog", str(VALIDATION), "run", str(_scenario(tmp_path)), "--seed", seed, "--out", str(store)
    )
    _clean_error(result, f"--seed: must lie in [0, {2**63 - 1}], got {seed}")
    assert not store.exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([*FLOOR, "--max-range-km", "inf", "--out", "{out}"], "--max-range-km: must lie in (0, 2000]"),
        ([*FLOOR, "--k", "nan", "--out", "{out}"], "--k: must lie in"),
        (["coverage", "map", "--site", "40,33", "--system", "s-400", "--target", "f-16c", "--terrain", "flat",
          "--facing", "0", "-a", "-5", "--out", "{out}"], "--altitude: must lie in [0, 100000], got -5"),
        ([*RADAR, "--pd", "1e-300", "--png", "{out}"], "--pd: must lie in [0.01, 0.999], got 1e-300"),
        (["coverage", "map", "--site", "40,33", "--system", "s-400", "--target", "f-16c", "--terrain", "flat",
          "--facing", "0", "--pd", "1e-300", "--out", "{out}"], "--pd: must lie in [0.01, 0.999]"),
        ([*FLOOR, "--k", "1e-300", "--out", "{out}"], "--k: must lie in [0.5, 100], got 1e-300"),
        (["demo", "--mc-runs", "-5", "--out", "{out}"], "--mc-runs: must lie in [0, 100000], got -5"),
        (["demo", "--workers", "-1", "--out", "{out}"], "--workers: must lie in [0, 1024], got -1"),
    ],
    ids=["range inf", "k nan", "map altitude", "radar pd", "map pd", "floor k", "demo runs", "demo workers"],
)  # fmt: skip
def test_options_out_of_range(cli: Any, tmp_path: Path, args: list[str], words: str) -> None:
    out = tmp_path / "out"
    _clean_error(cli(*[a.format(out=out) for a in args]), words)
    assert not out.exists()


@pytest.mark.parametrize("command", ["run", "mc"])
def test_a_full_disk_keeps_the_results_file_whole(
    cli: Any, tmp_path: Path, full_dir: Path, command: str
) -> None:
    scenario = _scenario(tmp_path)
    store = full_dir / "r.duckdb"
    first = {"run": ["run", str(scenario), "--seed", "1"], "mc": ["mc", str(scenario), "--runs", "2"]}[
        command
    ]
    assert cli("--catalog", str(VALIDATION), *first, "--out", str(store)).code == 0
    held = cli("results", str(store), "--json")
    assert held.code == 0
    fill(full_dir)
    more = {"run": ["run", str(scenario), "--seed", "2"], "mc": ["mc", str(scenario), "--runs", "40"]}[
        command
    ]
    result = cli("--catalog", str(VALIDATION), *more, "--out", str(store))
    assert result.code in (0, 2), result
    if result.code == 2:  # (the error follows mc's progress bar on stderr)
        errors = [line for line in result.err.splitlines() if line.startswith("error: ")]
        assert errors and str(store) in errors[0] and "cannot write the results file" in errors[0], result.err
        assert "Traceback" not in result.err
    # what the file held before is still there and readable, whatever the outcome of the write
    (full_dir / "filler").unlink()
    after = cli("results", str(store), "--json")
    assert after.code == 0, after.err
    assert after.out.count('"run_id"') >= held.out.count('"run_id"')
