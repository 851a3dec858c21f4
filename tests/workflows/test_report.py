"""The HTML report: sections, self-containment, assumptions with sources, DuckDB studies, bad input."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest

from iadsim.report.html import SECTION_IDS
from iadsim.workflows.report import build_report, write_report


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo-like folder: detection ranges, Blake chart, assumptions, a 2-replication saturation study
    (DuckDB), and one coarse coverage case in ``coverage/``."""
    from iadsim.catalog import default_catalog
    from iadsim.scenario import Altitude, CoverageSpec, resolve_scenario
    from iadsim.workflows.coverage_study import run_coverage
    from iadsim.workflows.demo import DEMO_SCENARIO, run_demo

    folder = tmp_path_factory.mktemp("demo")
    cat = default_catalog()
    run_demo(folder, cat, coverage=False, saturation_runs=2)
    sc = resolve_scenario(DEMO_SCENARIO, cat)
    sc = sc.model_copy(update={"coverage": CoverageSpec(**{**sc.coverage.model_dump(), "cell_m": 3000.0})})
    run_coverage(sc, cat, folder / "coverage", cases=[("f-16c", Altitude(agl=1000))])
    return folder


@pytest.fixture(scope="module")
def demo_html(demo_folder: Path) -> str:
    return build_report(demo_folder)


@pytest.fixture(scope="module")
def study_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results file with a small swept uncertainty study and one single run."""
    from iadsim.cli import main

    db = tmp_path_factory.mktemp("mc") / "results.duckdb"
    args = ["mc", "crete-s300", "--runs", "3", "--uncertainty", "--sweep", "raids.0.count=4,8"]
    assert main([*args, "--out", str(db), "--json"]) == 0
    assert main(["run", "crete-s300", "--out", str(db), "--json"]) == 0
    return db


_RESOURCE = re.compile(r"<(img|script|link|iframe|source|embed|object|video|audio)\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"\b(src|href|data|srcset|poster)\s*=\s*['\"]([^'\"]*)['\"]", re.IGNORECASE)


def _assert_self_contained(text: str) -> None:
    for tag in _RESOURCE.finditer(text):
        name = tag.group(1).lower()
        assert name == "img", f"unexpected <{name}> element"
        for _attr, value in _ATTR.findall(tag.group(0)):
            assert value.startswith("data:"), f"<{name}> loads {value[:80]!r}"
    assert "url(" not in text.lower()
    assert "@import" not in text.lower()
    # the only external addresses are plain links (to the sources of catalog figures)
    for match in re.finditer(r"https?://", text):
        before = text[max(0, match.start() - 200) : match.start()]
        last_tag = before[before.rfind("<") :]
        assert not re.match(r"<(img|script|link|iframe|source)\b", last_tag, re.IGNORECASE)


def _section(text: str, sid: str) -> str:
    start = text.index(f"<section id='{sid}'>")
    return text[start : text.index("</section>", start)]


@pytest.mark.slow  # (the demo's folder is built first: 20 s)
def test_folder_report_has_every_section_and_embeds_images(demo_html: str) -> None:
    assert demo_html.startswith("<!DOCTYPE html>")
    for sid in SECTION_IDS:
        assert f"<section id='{sid}'>" in demo_html
    images = re.findall(r"<img src='data:image/png;base64,[A-Za-z0-9+/=]+'", demo_html)
    # detection ranges, Blake chart, floor + detection + engagement maps, saturation chart, 2 histograms
    assert len(images) >= 8
    _assert_self_contained(demo_html)
    cov = _section(demo_html, "coverage")
    assert "Ring vs real" in cov and "% of ring" in cov and "Turkey" in cov
    assert "1000 m AGL" in cov
    # near the ground and the signatures: the tables the demo wrote, with their figures
    assert "Near the ground: multipath, diffraction and clutter" in cov and "over farmland, km" in cov
    assert "Signatures by radar band and aspect" in cov and "F-35A" in cov and "beam" in cov
    mc = _section(demo_html, "monte-carlo")
    assert "leak fraction [95% CI]" in mc and "raids.0.count=64" in mc
    bmd = _section(demo_html, "ballistic")
    assert "MIM-104 Patriot" in bmd and "SAMP/T" in bmd and "≥ 50% of draws, km²" in bmd
    assert "data:image/png;base64," in bmd  # (the footprints side by side)
    man = _section(demo_html, "manifest")
    assert "catalog_digest" in man and "SeedSequence(2019" in man and "saturation.duckdb" in man
    summary = _section(demo_html, "summary")
    assert "S-400" in summary and "ankara-s400" in summary and "GLOBE" in summary


@pytest.mark.slow  # (the demo's folder is built first: 20 s)
def test_every_listed_figure_appears_with_its_sources(demo_folder: Path, demo_html: str) -> None:
    from iadsim.catalog import default_catalog, figures

    section = _section(demo_html, "assumptions")
    cat = default_catalog()
    with (demo_folder / "assumptions.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    blocks = section.split("<h3>")
    for row in rows:
        block = next(b for b in blocks if f"({html.escape(row['id'])})" in b.split("</h3>")[0])
        assert f"<code>{html.escape(row['figure'])}</code>" in block
        fig = dict(figures(cat.get(row["id"])))[row["figure"]]
        if fig.flagged:
            assert "flagged default" in block
            assert html.escape(fig.note or "", quote=True) in block
        for source in fig.sources:
            assert html.escape(source.title, quote=True) in block, (row["id"], row["figure"], source.title)
            if source.url:
                assert f"href='{html.escape(source.url, quote=True)}'" in block


@pytest.mark.slow  # (the demo's folder is built first: 20 s)
def test_write_report_is_atomic_and_cli_prints_the_path(cli, demo_folder: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "sub" / "report.html"
    r = cli("report", str(demo_folder), "--out", str(out), "--title", "Ankara <S-400>")
    assert r.code == 0, r.err
    assert out.is_file() and str(out.name) in r.out
    text = out.read_text(encoding="utf-8")
    assert "<title>Ankara &lt;S-400&gt;</title>" in text
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_results_file_gives_intervals_sensitivity_and_manifest(study_db: Path, tmp_path: Path) -> None:
    out = write_report(study_db, tmp_path / "r.html")
    text = out.read_text(encoding="utf-8")
    for sid in SECTION_IDS:
        assert f"<section id='{sid}'>" in text
    _assert_self_contained(text)
    mc = _section(text, "monte-carlo")
    assert "raids.0.count=4" in mc and "raids.0.count=8" in mc
    # mean [low, high] for the leak fraction, P(any leak) and interceptors
    assert len(re.findall(r"\d\.\d{3} \[-?\d\.\d{3}, \d\.\d{3}\]", mc)) >= 2
    assert len(re.findall(r"\d\.\d{2} \[\d\.\d{2}, \d\.\d{2}\]", mc)) >= 2
    assert "Sensitivity ranking" in mc and "48n6e" in mc
    assert mc.count("data:image/png;base64,") == 1  # the histogram of the study
    assert "Single runs" in mc
    man = _section(text, "manifest")
    for key in ("iadsim_version", "scenario_digest", "catalog_digest", "dem", "seed", "GLOBE"):
        assert key in man
    assumptions = _section(text, "assumptions")
    assert "(s-300pmu-1)" in assumptions and "(48n6e)" in assumptions and "flagged default" in assumptions
    assert "S-300PMU-1" in _section(text, "summary")


def test_report_does_not_modify_the_results_file(study_db: Path) -> None:
    before = study_db.read_bytes()
    build_report(study_db)
    assert study_db.read_bytes() == before


def test_missing_path_is_a_clear_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("report", str(tmp_path / "nope"), "--out", str(tmp_path / "r.html"))
    assert r.code == 2
    assert "no such file or folder" in r.err and "Traceback" not in r.err
    assert not (tmp_path / "r.html").exists()


def test_unrelated_file_and_empty_folder_are_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "notes.txt"
    text.write_text("hello\n", encoding="utf-8")
    r = cli("report", str(text), "--out", str(tmp_path / "r.html"))
    assert r.code == 2 and "not an iadsim output folder or DuckDB results file" in r.err
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("report", str(empty), "--out", str(tmp_path / "r.html"))
    assert r.code == 2 and "no iadsim results" in r.err


def test_duckdb_without_results_is_an_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import duckdb

    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    r = cli("report", str(db), "--out", str(tmp_path / "r.html"))
    assert r.code == 2 and "without iadsim results" in r.err


def test_report_never_writes_over_an_input(cli, study_db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import os
    import shutil

    before = study_db.read_bytes()
    link = tmp_path / "link.html"
    link.symlink_to(study_db)
    hard = tmp_path / "hard.html"
    os.link(study_db, hard)
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(study_db, folder / "results.duckdb")
    catalog = tmp_path / "extra.yaml"
    catalog.write_text("version: 1\n", encoding="utf-8")
    cases = [
        (str(study_db), study_db),
        (str(study_db), link),
        (str(study_db), hard),
        (str(folder), folder / "results.duckdb"),
        (str(folder), folder / "sub" / ".." / "results.duckdb"),
    ]
    for source, out in cases:
        r = cli("report", source, "--out", str(out))
        assert r.code == 2, (out, r.out)
        assert "--out:" in r.err and "is one of this command's inputs" in r.err and "Traceback" not in r.err
    r = cli("--catalog", str(catalog), "report", str(study_db), "--out", str(catalog))
    assert r.code == 2 and "is one of this command's inputs" in r.err
    assert catalog.read_text(encoding="utf-8") == "version: 1\n"
    assert study_db.read_bytes() == before and hard.read_bytes() == before and link.is_symlink()
    assert (folder / "results.duckdb").read_bytes() == before


def test_an_output_that_cannot_be_written_is_a_clear_error(cli, study_db: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x", encoding="utf-8")
    cases = [
        (tmp_path, "is a folder"),
        (blocker / "r.html", "cannot write"),
        (blocker / "sub" / "r.html", "cannot write"),
        (tmp_path / ("x" * 300 + ".html"), "cannot write"),
    ]
    for out, message in cases:
        r = cli("report", str(study_db), "--out", str(out))
        assert r.code == 2, (out, r.out)
        assert r.err.startswith("error: --out: ") and message in r.err and "Traceback" not in r.err, r.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
