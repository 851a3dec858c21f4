"""Monte Carlo studies: identical replications serially, on Dask, after a worker dies and after a resume."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import duckdb
import pytest

from iadsim.catalog import load_catalog
from iadsim.montecarlo import StudySpec, parse_sweep
from iadsim.montecarlo.runner import run_study
from iadsim.montecarlo.stats import summarize, wilson_interval
from iadsim.scenario import Scenario
from iadsim.sim.engine import COUNT_FIELDS
from iadsim.store import StudyStore
from iadsim.store.studies import OUTCOME_FIELDS
from tests.helpers import DATA, analytic_scenario, inbound, point, write_analytic_scenario

OUTCOME = (*OUTCOME_FIELDS, "interceptors_by_type", "first_detection_s", "draws")


def test_store_and_engine_agree_on_the_outcome_fields() -> None:
    assert OUTCOME_FIELDS == COUNT_FIELDS


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog([DATA / "test-catalog.yaml"])


def _study(runs: int = 12, uncertainty: bool = False) -> StudySpec:
    sc: Scenario = analytic_scenario([inbound("r", 0.0, 70.0)], missiles=2)
    return StudySpec(sc, runs=runs, seed=42, uncertainty=uncertainty)


def _outcomes(store: StudyStore, study_id: str) -> list[tuple]:
    return [
        (r["point"], r["replication"], *(json.dumps(r[k], sort_keys=True) for k in OUTCOME))
        for r in store.replications(study_id)
    ]


@pytest.fixture(scope="module")
def serial(catalog, tmp_path_factory) -> list[tuple]:  # type: ignore[no-untyped-def]
    with StudyStore(tmp_path_factory.mktemp("serial") / "r.duckdb") as store:
        res = run_study(_study(), catalog, store, batch_size=3)
        assert res.computed == 12 and not res.interrupted
        return _outcomes(store, res.study_id)


@pytest.mark.slow  # (a LocalCluster of two workers: 10 s)
def test_dask_gives_the_same_replications(catalog, serial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with StudyStore(tmp_path / "r.duckdb") as store:
        res = run_study(_study(), catalog, store, workers=2, batch_size=3)
        assert _outcomes(store, res.study_id) == serial


@pytest.mark.slow  # (a LocalCluster whose worker is killed: 8 s; the real cluster's test kills one too)
def test_a_killed_worker_does_not_change_the_result(catalog, serial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        StudyStore(tmp_path / "r.duckdb") as store,
    ):
        with Client(cluster) as client:  # (closed before the study: one client per process, as the CLI)
            pids = list(client.run(os.getpid).values())
        killed: list[int] = []

        def progress(done: int, total: int) -> None:
            if done > 0 and not killed:  # after the first batch is stored, kill a worker mid-study
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        res = run_study(
            _study(), catalog, store, scheduler=cluster.scheduler_address, batch_size=1, progress=progress
        )
        assert killed and not res.interrupted
        assert _outcomes(store, res.study_id) == serial


def test_an_interrupted_study_resumes_to_the_same_result(catalog, serial, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with StudyStore(tmp_path / "r.duckdb") as store:
        first = run_study(_study(), catalog, store, batch_size=3, stop_after_batches=2)
        assert first.interrupted and first.computed == 6
        second = run_study(_study(), catalog, store, batch_size=3)
        assert second.skipped == 6 and second.computed == 6
        assert _outcomes(store, second.study_id) == serial


def test_uncertainty_draws_within_the_ranges_and_reports_sensitivity(tmp_path: Path) -> None:
    from iadsim.catalog import default_catalog
    from iadsim.scenario import resolve_scenario

    cat = default_catalog()
    sc = resolve_scenario("crete-s300", cat)
    sc = sc.model_copy(update={"raids": sc.raids[:1]})
    spec = StudySpec(sc, runs=4, seed=3, uncertainty=True)
    with StudyStore(tmp_path / "r.duckdb") as store:
        res = run_study(spec, cat, store)
        rows = store.replications(res.study_id)
    assert len(rows) == 4
    draws = rows[0]["draws"]
    assert "48n6e.envelopes.aircraft.max_range_m" in draws and "subsonic-cruise-missile.rcs_m2" in draws
    fig = cat.missile("48n6e").max_range_m
    assert fig.range is not None
    for r in rows:
        assert fig.range[0] <= r["draws"]["48n6e.envelopes.aircraft.max_range_m"] <= fig.range[1]
    assert rows[0]["draws"] != rows[1]["draws"]
    summary = summarize(rows)[0]
    assert {s["figure"] for s in summary["sensitivity"]} == set(draws)


def test_sweep_points(catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = StudySpec(_study().scenario, runs=2, seed=1, sweep=parse_sweep("raids.0.count=1,3"))
    with StudyStore(tmp_path / "r.duckdb") as store:
        res = run_study(spec, catalog, store)
        rows = store.replications(res.study_id)
    assert {(r["label"], r["threats"]) for r in rows} == {("raids.0.count=1", 1), ("raids.0.count=3", 3)}


def test_sweep_points_share_terrain_and_floors_and_give_the_results_of_worlds_built_alone(
    catalog,  # type: ignore[no-untyped-def]
) -> None:
    """Points of a sweep over the raid size share one grid, the radars' floors and coverages (keyed by
    what they depend on); the threats and timelines stay their own, and every replication is the same as
    with a world built on its own, with and without drawn figures."""
    from iadsim.montecarlo.runner import run_batch
    from iadsim.sim.world import build_world

    spec = StudySpec(
        _study().scenario, runs=3, seed=5, sweep=parse_sweep("raids.0.count=1,3"), uncertainty=True
    )
    a, b = (p.scenario for p in spec.points())
    first = build_world(a, catalog)
    shared = build_world(b, catalog, like=first)
    alone = build_world(b, catalog)
    assert shared.terrain is first.terrain and alone.terrain is not first.terrain
    assert all(s.coverage is f.coverage for s, f in zip(shared.radars, first.radars, strict=True))
    assert shared.threats.count == 3 and first.threats.count == 1
    assert shared.timeline is not first.timeline
    for uncertainty in (False, True):
        assert run_batch(shared, 1, "b", [0, 1, 2], 5, uncertainty) == run_batch(
            alone, 1, "b", [0, 1, 2], 5, uncertainty
        )
    lat, lon = b.units[0].position
    moved = b.model_copy(update={"units": [b.units[0].model_copy(update={"position": (lat + 0.01, lon)})]})
    assert (
        build_world(moved, catalog, like=first).terrain is not first.terrain
    )  # another grid: nothing shared


def test_wilson_interval_matches_a_published_example() -> None:
    # Newcombe (1998), Stat. Med. 17:857, table I: 81 of 263 -> Wilson 95% interval 0.2553 to 0.3662.
    w = wilson_interval(81, 263)
    assert w["low"] == pytest.approx(0.2553, abs=1e-4) and w["high"] == pytest.approx(0.3662, abs=1e-4)


def test_mc_cli_json_and_results_parquet(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mc.duckdb"
    result = cli(
        "--catalog",
        str(DATA / "test-catalog.yaml"),
        "mc",
        str(write_analytic_scenario(tmp_path)),
        "--runs",
        "5",
        "--out",
        str(db),
        "--json",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert len(data["replications"]) == 5 and {"summary", "timing"} <= set(data)
    rep = data["replications"][0]
    for key in (
        "replication",
        "threats",
        "detected",
        "engaged",
        "killed",
        "leaked",
        "interceptors_launched",
        "intercepts",
        "interceptors_by_type",
        "first_detection_s",
    ):
        assert key in rep
    assert "timing" not in data["summary"][0]
    out = tmp_path / "parquet"
    assert cli("results", str(db), "--parquet", str(out)).code == 0
    n = duckdb.connect().execute(f"SELECT count(*) FROM '{out / 'replications.parquet'}'").fetchall()
    assert n == [(5,)]


def test_mc_bad_input(cli) -> None:  # type: ignore[no-untyped-def]
    assert "--runs: must be from 1 to" in cli("mc", "ankara-s400", "--runs", "0").err
    assert "--sweep: expected PATH=v1,v2" in cli("mc", "ankara-s400", "--sweep", "raids").err
    assert "not a field of the scenario" in cli("mc", "ankara-s400", "--sweep", "raids.9.count=1,2").err
    assert "no such results file" in cli("results", "nope.duckdb").err


@pytest.mark.slow
def test_one_shot_leak_fraction_at_scale(catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # 10,000 replications of one missile of Pk 0.7 against a target the radar always sees, on a 2-worker
    # LocalCluster: the leak fraction lies in the binomial 99% interval around 0.3,
    # 0.3 +- 2.576 sqrt(0.3 * 0.7 / 10000) = 0.3 +- 0.0118. The target flies 75 km -> 35 km from the site
    # (engaged at once, resolved long before it arrives) so that each run is short.
    raid = {
        "name": "r",
        "target": "test-fighter",
        "count": 1,
        "speed_mps": 300,
        "route": [
            {"position": point(0.0, 75.0), "altitude": {"amsl": 3000}},
            {"position": point(0.0, 35.0), "altitude": {"amsl": 3000}},
        ],
    }
    spec = StudySpec(analytic_scenario([raid], missiles=1), runs=10_000, seed=2026)
    with StudyStore(tmp_path / "r.duckdb") as store:
        res = run_study(spec, catalog, store, workers=2, batch_size=500)
        rows = store.replications(res.study_id)
    assert len(rows) == 10_000
    assert all(r["engaged"] == 1 and r["interceptors_launched"] == 1 for r in rows)
    leak = sum(r["leaked"] for r in rows) / len(rows)
    assert abs(leak - 0.3) < 2.576 * (0.3 * 0.7 / 10_000) ** 0.5


def test_guided_batches_cover_every_replication_once_and_shrink_towards_the_end() -> None:
    from types import SimpleNamespace

    from iadsim.montecarlo.runner import _batches

    points = [SimpleNamespace(index=i, label=f"p{i}") for i in range(3)]
    todo = [(p, [r for r in range(400) if (r + p.index) % 7]) for p in points]  # some already done
    for workers in (1, 2, 8):
        batches = _batches(todo, None, workers)
        got = sorted((pi, r) for pi, _, reps in batches for r in reps)
        assert got == sorted((p.index, r) for p, reps in todo for r in reps)
        sizes = [len(reps) for _, _, reps in batches]
        total = sum(len(reps) for _, reps in todo)
        assert sizes[0] == max(sizes) == min(25, -(-total // (8 * workers)))  # 1/8 of a worker's share
        assert max(sizes[-5:]) <= 5  # the last batches are small, so the workers finish together
    fixed = _batches(todo, 7, 2)
    for p, reps in todo:  # batches of 7, the last of each point holding the rest
        sizes = [len(b) for pi, _, b in fixed if pi == p.index]
        assert sizes[:-1] == [7] * (len(sizes) - 1) and sum(sizes) == len(reps)


def test_a_batch_is_stored_whole_or_not_at_all(tmp_path: Path) -> None:
    def rows(reps: range) -> list[dict]:
        return [
            {
                "point": 0,
                "label": "p0",
                "replication": i,
                **dict.fromkeys(OUTCOME_FIELDS, i % 7),
                "interceptors_by_type": {"48n6e3": i},
                "first_detection_s": {"f-16c": 1.5 * i},
                "draws": {"91n6e.reference_range_m": 5e5 + i},
            }
            for i in reps
        ]

    with StudyStore(tmp_path / "r.duckdb") as store:
        store.ensure_study("s", {"runs": 1000}, {"seed": 1})
        store.add_replications("s", rows(range(450)))  # (more rows than one INSERT statement takes)
        back = store.replications("s")
        assert [r["replication"] for r in back] == list(range(450))
        assert back[449] == rows(range(449, 450))[0]
        # a batch that fails in its third statement (replication 10 is stored already) leaves nothing behind
        with pytest.raises(duckdb.ConstraintException):
            store.add_replications("s", rows(range(450, 850)) + rows(range(10, 11)))
        assert len(store.replications("s")) == 450


def _mc(tmp_path: Path, *args: str) -> list[str]:
    """Command line of a small study of the analytic scenario (test catalog)."""
    return ["--catalog", str(DATA / "test-catalog.yaml"), "mc", str(write_analytic_scenario(tmp_path)), *args]


def test_mc_summary_describes_the_study_as_asked(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "r.duckdb"
    assert cli(*_mc(tmp_path, "--runs", "6", "--out", str(db), "--json")).code == 0
    r = cli(*_mc(tmp_path, "--runs", "3", "--out", str(db), "--json"))
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert [x["replication"] for x in data["replications"]] == [0, 1, 2]
    assert data["summary"][0]["replications"] == 3 and data["more_stored"] == 3
    assert data["timing"]["computed"] == 0 and data["timing"]["skipped"] == 3
    r = cli(*_mc(tmp_path, "--runs", "4", "--out", str(db)))
    assert r.code == 0, r.err
    assert "2 more replication(s) of this study" in r.out
    assert "│ base  │    4 │" in r.out


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--batch", "-1", "--batch: must be from 1"),
        ("--batch", "0", "--batch: must be from 1"),
        ("--runs", "-5", "--runs: must be from 1"),
        ("--runs", "100000000", "--runs: must be from 1 to 10,000,000"),
        ("--workers", "0", "--workers: must be from 1"),
        ("--workers", "100000", "--workers: must be from 1"),
        ("--seed", "-1", "--seed: must be from 0 to 2**63 - 1"),
        ("--seed", str(2**63), "--seed: must be from 0 to 2**63 - 1"),
        ("--seed", str(2**64), "--seed: must be from 0 to 2**63 - 1"),
    ],
)
def test_mc_refuses_bad_numbers_before_any_work(cli, tmp_path: Path, option: str, value: str, message: str):  # type: ignore[no-untyped-def]
    db = tmp_path / "r.duckdb"
    r = cli(*_mc(tmp_path, "--runs", "2", "--out", str(db), option, value))
    assert r.code == 2 and r.err.startswith(f"error: {message}") and "Traceback" not in r.err, r.err
    assert len(r.err.strip().splitlines()) == 1
    assert not db.exists()


def test_a_study_seed_must_be_one_the_store_keeps() -> None:
    from iadsim.errors import InputError

    sc = _study().scenario
    for seed in (-1, 2**63):
        with pytest.raises(InputError, match="--seed: must be from 0 to 2"):
            StudySpec(sc, runs=1, seed=seed)
    assert StudySpec(sc, runs=1, seed=2**63 - 1).seed == 2**63 - 1


def test_mc_never_writes_over_an_input(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scenario = write_analytic_scenario(tmp_path)
    catalog = DATA / "test-catalog.yaml"
    link = tmp_path / "link.duckdb"
    link.symlink_to(scenario)
    before = scenario.read_bytes(), catalog.read_bytes()
    for out in (scenario, link, catalog):
        r = cli("--catalog", str(catalog), "mc", str(scenario), "--runs", "2", "--out", str(out))
        assert r.code == 2 and "--out:" in r.err and "is one of this command's inputs" in r.err, r.err
    assert (scenario.read_bytes(), catalog.read_bytes()) == before


def test_mc_unreachable_scheduler_is_a_clear_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "r.duckdb"
    r = cli(*_mc(tmp_path, "--runs", "2", "--out", str(out), "--scheduler", "nowhere"))
    assert r.code == 2 and "error: --scheduler: cannot connect to 'nowhere'" in r.err, r.err
    assert "Traceback" not in r.err
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("r.")) == []  # no empty file left
    # a results file that was there stays, with its studies
    assert cli(*_mc(tmp_path, "--runs", "2", "--out", str(out))).code == 0
    with StudyStore(out) as store:
        kept = [(s["study_id"], store.count(s["study_id"])) for s in store.studies()]
    r = cli(*_mc(tmp_path, "--runs", "4", "--out", str(out), "--scheduler", "nowhere"))
    assert r.code == 2
    with StudyStore(out) as store:
        assert [(s["study_id"], store.count(s["study_id"])) for s in store.studies()] == kept


@pytest.mark.slow  # (a Dask cluster or a map tile cache per process: seconds)
def test_mc_on_local_workers_shuts_down_cleanly(cli_process, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A short study (the workers may still be warming up when it ends), then the same study again (nothing
    # left to do): both end without a traceback or a message from the cluster on the way down.
    db = tmp_path / "r.duckdb"
    for _ in range(2):
        r = cli_process(*_mc(tmp_path, "--runs", "2", "--workers", "2", "--out", str(db)))
        assert r.code == 0, r.err
        assert "Traceback" not in r.err and "Error" not in r.err, r.err
        assert " - distributed." not in r.err, r.err
