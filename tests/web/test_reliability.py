"""The web map's limits and failure modes: bounded caches, bad scenario files skipped with a warning,
dotfiles never served, HEAD answered wherever GET is, the API docs served without the internet, and a
replay that can be stopped without changing what a completed one returns."""

from __future__ import annotations

import logging
import re
import threading
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import Mount

from iadsim.catalog import Catalog, load_catalog
from iadsim.scenario import load_scenario
from iadsim.web.app import create_app
from tests.helpers import DATA, web_scenario_doc

LATIN1 = "name: caf\xe9\nversion: 1\n".encode("latin-1")  # not UTF-8


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([DATA / "test-catalog.yaml"])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with one good scenario, four bad ones, dotfiles and a note."""
    root = tmp_path_factory.mktemp("web-reliability")
    (root / "web-test.yaml").write_text(yaml.safe_dump(web_scenario_doc(), sort_keys=False), encoding="utf-8")
    (root / "latin1.yaml").write_bytes(LATIN1)
    (root / "malformed.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    (root / "invalid.yaml").write_text("version: 1\nname: x\nunits: []\n", encoding="utf-8")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "list.yml").write_text("- 1\n- 2\n", encoding="utf-8")
    (root / "notes.txt").write_text("hello", encoding="utf-8")
    (root / ".secret").write_text("secret", encoding="utf-8")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "key.txt").write_text("secret", encoding="utf-8")
    (root / ".hidden.yaml").write_text(yaml.safe_dump(web_scenario_doc()), encoding="utf-8")
    (root / "sub").mkdir()
    (root / "sub" / ".env").write_text("secret", encoding="utf-8")
    (root / "sub" / "ok.txt").write_text("fine", encoding="utf-8")
    (root / "secret-link.txt").symlink_to(root / ".secret")
    return root


@pytest.fixture(scope="module")
def client(folder: Path, catalog: Catalog) -> TestClient:
    return TestClient(create_app(folder, catalog=catalog))


BAD = ("latin1.yaml", "malformed.yaml", "invalid.yaml", "scenarios/list.yml")

# ------------------------------------------------------------------------------------------------- caches


@pytest.mark.slow  # (a Dask cluster or a map tile cache per process: seconds)
def test_borders_cache_is_bounded(folder: Path, catalog: Catalog) -> None:
    """Forty distinct tolerances keep a few simplified border sets, not forty: the memory the app holds
    after them stays within a few megabytes, and each answer says the tolerance it was simplified to (a
    level of a fixed series, never coarser than asked)."""
    app = create_app(folder, catalog=catalog)
    c = TestClient(app)
    bbox = {"bbox": "25,35,45,43"}
    assert c.get("/api/borders", params={"tolerance_deg": 1.0, **bbox}).status_code == 200  # loads the file
    tolerances = [round(0.05 + 0.02375 * i, 5) for i in range(40)]  # 0.05 to 0.976 degrees
    answers: list[tuple[float, bool]] = []
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for tol in tolerances:
            r = c.get("/api/borders", params={"tolerance_deg": tol, **bbox})
            assert r.status_code == 200, r.text
            doc = r.json()
            answers.append(
                (doc["tolerance_deg"], "Turkey" in {f["properties"]["name"] for f in doc["features"]})
            )
            del doc
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 30e6, f"{held / 1e6:.0f} MB held after {len(tolerances)} tolerances"
    for tol, (used, turkey) in zip(tolerances, answers, strict=True):
        assert tol / 2.5 <= used <= tol and turkey, (tol, used)
    caches = app.state.caches
    assert {"borders", "replays", "data"} <= set(caches)
    assert 1 <= len(caches["borders"]) <= 4


def test_failed_computations_leave_nothing_behind() -> None:
    """A cached value whose computation fails is not kept, nor is the lock that made others wait for it:
    failing requests with ever new keys do not grow the cache."""
    from iadsim.web.app import _Cache

    def fail() -> None:
        raise ValueError("bad input")

    cache = _Cache(4)
    for key in range(50):
        with pytest.raises(ValueError):
            cache.get(key, fail)
    assert not cache.key_locks and len(cache) == 0
    assert cache.get("ok", lambda: 1) == 1 and not cache.key_locks and len(cache) == 1


def test_replay_cache_is_bounded_in_bytes(folder: Path, catalog: Catalog) -> None:
    """Replays are kept as their JSON text within a byte budget as well as a count."""
    from iadsim.web import app as web

    app = create_app(folder, catalog=catalog)
    c = TestClient(app)
    bodies = []
    for seed in range(6):
        r = c.get("/api/replay", params={"scenario": "web-test.yaml", "seed": seed})
        assert r.status_code == 200
        bodies.append(len(r.content))
    kept = app.state.caches["replays"]
    assert len(kept) == 6 and kept.nbytes == sum(bodies) <= web.REPLAY_CACHE_BYTES


def test_replay_too_large_is_refused(folder: Path, catalog: Catalog) -> None:
    """A replay with more sampled positions than the limit is a clear 422 naming the step_s that fits, not
    gigabytes of memory; the step_s it names does fit."""
    for limit in (60, 200, 500):
        c = TestClient(create_app(folder, catalog=catalog, max_replay_positions=limit))
        r = c.get("/api/replay", params={"scenario": "web-test.yaml", "seed": 1, "step_s": 1})
        assert r.status_code == 422 and "larger step_s (at least" in r.json()["detail"], r.text
        fits = int(r.json()["detail"].rsplit("at least ", 1)[1].split(" ")[0])
        ok = c.get("/api/replay", params={"scenario": "web-test.yaml", "seed": 1, "step_s": fits})
        assert ok.status_code == 200, (limit, fits, ok.text)
        doc = ok.json()
        assert len(doc["threats"]) * len(doc["times_s"]) <= limit
    few = TestClient(create_app(folder, catalog=catalog, max_replay_positions=4))  # fewer than the threats
    r = few.get("/api/replay", params={"scenario": "web-test.yaml", "seed": 1, "step_s": 600})
    assert r.status_code == 422 and "too many threats" in r.json()["detail"]


# ------------------------------------------------------------------------------------- bad scenario files


def test_bad_scenario_files_are_skipped(
    client: TestClient, folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Non-UTF-8 bytes, malformed YAML, an invalid scenario and a YAML list are skipped by
    ``/api/scenarios`` (listed under ``skipped`` with the reason, and logged once), never failing it."""
    with caplog.at_level(logging.WARNING, logger="iadsim.web"):
        for _ in range(2):
            r = client.get("/api/scenarios")
            assert r.status_code == 200, r.text
    doc = r.json()
    names = [s["name"] for s in doc["scenarios"]]
    assert "web-test.yaml" in names and "ankara-s400" in names
    assert not set(BAD) & set(names) and ".hidden.yaml" not in names
    skipped = {s["file"]: s["reason"] for s in doc["skipped"]}
    assert set(skipped) == set(BAD), skipped
    assert "UTF-8" in skipped["latin1.yaml"]
    assert "malformed YAML" in skipped["malformed.yaml"]
    assert "units" in skipped["invalid.yaml"]
    for name, reason in skipped.items():
        assert name in reason and str(folder) not in reason, reason
    warned = [rec.getMessage() for rec in caplog.records if rec.name == "iadsim.web"]
    for name in BAD:
        assert sum(name in m for m in warned) == 1, (name, warned)
    assert doc["default"] == "web-test.yaml"


@pytest.mark.parametrize("name", BAD)
@pytest.mark.parametrize("endpoint", ["/api/routes", "/api/replay"])
def test_bad_scenario_file_is_a_clean_4xx(client: TestClient, endpoint: str, name: str) -> None:
    r = client.get(endpoint, params={"scenario": name, "seed": 1})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/json"
    detail = r.json()["detail"]
    assert name in detail and "Traceback" not in detail


# ------------------------------------------------------------------------------------------------- dotfiles


@pytest.mark.parametrize(
    "path",
    [
        "/files/.secret",
        "/files/%2esecret",
        "/files/.hidden/key.txt",
        "/files/.hidden",
        "/files/sub/.env",
        "/files/secret-link.txt",
        "/files/.hidden.yaml",
        "/static/.secret",
        "/static/vendor/.hidden/x.js",
    ],
)
def test_dotfiles_are_never_served(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert "secret" not in r.text


def test_files_still_served(client: TestClient) -> None:
    assert client.get("/files/notes.txt").text == "hello"
    assert client.get("/files/sub/ok.txt").text == "fine"
    files = client.get("/api/layers").json()["files"]
    assert "sub/ok.txt" in files and not [f for f in files if "secret" in f or "/." in f or f[0] == "."]


def test_static_files_hide_dotfiles(tmp_path: Path) -> None:
    """The static-file server of the app refuses any path with a component starting with '.'."""
    from iadsim.web.app import NoDotStaticFiles

    (tmp_path / "ok.css").write_text("body{}", encoding="utf-8")
    (tmp_path / ".secret").write_text("secret", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "a.css").write_text("secret", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".env").write_text("secret", encoding="utf-8")
    c = TestClient(Starlette(routes=[Mount("/s", NoDotStaticFiles(directory=tmp_path))]))
    assert c.get("/s/ok.css").status_code == 200
    for path in ("/s/.secret", "/s/.hidden/a.css", "/s/sub/.env", "/s/%2esecret", "/s/sub/../.secret"):
        r = c.get(path)
        assert r.status_code == 404 and "secret" not in r.text, path


# ----------------------------------------------------------------------------------------------------- HEAD

GETS = [
    "/",
    "/static/map.js",
    "/static/vendor/leaflet/leaflet.css",
    "/api/layers",
    "/api/borders?bbox=25,35,45,43",
    "/api/scenarios",
    "/api/routes?scenario=web-test.yaml",
    "/api/replay?scenario=web-test.yaml&seed=2",
    "/files/notes.txt",
    "/docs",
    "/openapi.json",
]


@pytest.mark.parametrize("path", GETS)
def test_head_is_answered_wherever_get_is(client: TestClient, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert get.status_code == 200 and head.status_code == 200, (path, head.status_code)
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    if "content-length" in head.headers:
        assert int(head.headers["content-length"]) == len(get.content)


def test_head_errors_match_get(client: TestClient) -> None:
    assert client.head("/files/missing.txt").status_code == 404
    assert client.head("/files/.secret").status_code == 404
    assert client.head("/api/routes").status_code == 422
    assert client.post("/files/notes.txt").status_code == 405


# ----------------------------------------------------------------------------------------------- API docs


def test_docs_are_served_offline(client: TestClient) -> None:
    """``/docs`` names no other host: its script, style and icon are vendored and served here."""
    page = client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert not re.search(r"(https?:)?//[a-z0-9]", page.text, re.I), page.text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert len(urls) >= 3 and all(u.startswith("/static/") for u in urls), urls
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "'/openapi.json'" in page.text
    lic = client.get("/static/vendor/swagger-ui/LICENSE")
    assert lic.status_code == 200 and "Apache License" in lic.text
    assert client.get("/redoc").status_code == 404  # (its script would come from a CDN)


# ------------------------------------------------------------------------------------------ stopped replay


def test_stopped_replay_and_complete_replay(folder: Path, catalog: Catalog) -> None:
    """A replay asked to stop raises ReplayStopped between engine steps; one left alone returns the
    engine's very run (same summary and events as :func:`iadsim.sim.engine.run`)."""
    from iadsim.sim.engine import run
    from iadsim.sim.world import build_world
    from iadsim.web.app import ReplayStopped, replay_run

    scenario = load_scenario(folder / "web-test.yaml", catalog)
    stop = threading.Event()
    stop.set()
    with pytest.raises(ReplayStopped):
        replay_run(scenario, catalog, 3, should_stop=stop.is_set)
    checks: list[Any] = []

    def count() -> bool:
        checks.append(1)
        return False

    replay = replay_run(scenario, catalog, 3, should_stop=count)
    assert len(checks) > 10
    direct = run(build_world(scenario, catalog), 3)
    assert replay.summary == direct.summary()
    assert replay.events == direct.events_as_dicts()
    assert replay == replay_run(scenario, catalog, 3)


def test_shared_replay_outlives_one_client_and_stops_with_the_last() -> None:
    """Two requests wait for the same replay: the first leaving does not stop it; once the last leaves,
    the work is told to stop."""
    import asyncio
    import time

    from iadsim.web.app import ReplayStopped, _Replays

    replays = _Replays(size=4, max_bytes=10**6, workers=1)
    release = threading.Event()
    stopped = threading.Event()

    def compute(should_stop: Any) -> bytes:
        while not release.is_set():
            if should_stop():
                stopped.set()
                raise ReplayStopped("asked to stop")
            time.sleep(0.01)
        return b'{"done":true}'

    async def scenario() -> None:
        gone = {"a": False, "b": False, "c": False}

        def client(name: str) -> Any:
            async def is_gone() -> bool:
                return gone[name]

            return is_gone

        a = asyncio.create_task(replays.get("k", compute, client("a")))
        b = asyncio.create_task(replays.get("k", compute, client("b")))
        await asyncio.sleep(0.3)
        gone["a"] = True
        with pytest.raises(ReplayStopped):
            await a
        await asyncio.sleep(0.3)
        assert not stopped.is_set() and not b.done()
        release.set()
        assert await b == b'{"done":true}'
        assert len(replays) == 1 and replays.nbytes == len(b'{"done":true}')
        # a replay left by its only client stops
        release.clear()
        c = asyncio.create_task(replays.get("k2", compute, client("c")))
        await asyncio.sleep(0.3)
        gone["c"] = True
        with pytest.raises(ReplayStopped):
            await c
        for _ in range(100):
            if stopped.is_set():
                break
            await asyncio.sleep(0.02)
        assert stopped.is_set() and len(replays) == 1

    asyncio.run(scenario())
