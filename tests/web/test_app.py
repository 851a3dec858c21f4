"""The web map: its API (every endpoint, bad parameters, path traversal) and the page in a real headless
Chromium (no request leaves 127.0.0.1, coverage toggles, the replay slider moves the threats)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from iadsim.catalog import Catalog, load_catalog
from iadsim.scenario import Altitude, load_scenario
from iadsim.web.app import create_app
from iadsim.workflows.coverage_study import run_coverage
from tests.helpers import DATA, GEOD, SITE, free_port, point, web_scenario_doc

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([DATA / "test-catalog.yaml"])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    """A small data folder: a scenario file and a coarse coverage study of it on flat terrain."""
    folder = tmp_path_factory.mktemp("web-data")
    path = folder / "web-test.yaml"
    path.write_text(yaml.safe_dump(web_scenario_doc(), sort_keys=False), encoding="utf-8")
    scenario = load_scenario(path, catalog)
    cases = [("test-fighter", Altitude(amsl=1000)), ("test-fighter", Altitude(amsl=8000))]
    run_coverage(scenario, catalog, folder / "coverage", cases=cases)
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def client(data_dir: Path, catalog: Catalog) -> TestClient:
    return TestClient(create_app(data_dir, catalog=catalog))


# -------------------------------------------------------------------------------------------------- API


def test_index_and_static(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/static/vendor/leaflet/leaflet.js" in page.text and "http" not in page.text.split("<body>")[1]
    for asset in ("map.js", "map.css", "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css"):
        assert client.get(f"/static/{asset}").status_code == 200, asset
    assert client.get("/static/vendor/leaflet/images/marker-icon.png").status_code == 200
    assert "BSD" in client.get("/static/vendor/leaflet/LICENSE").text
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/%2e%2e/app.py").status_code == 404


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in (
        "/api/layers",
        "/api/coverage",
        "/api/borders",
        "/api/scenarios",
        "/api/replay",
        "/files/{path}",
    ):
        assert set(paths[p]) == {"get"}, p
    assert client.get("/docs").status_code == 200


def test_layers(client: TestClient) -> None:
    info = client.get("/api/layers").json()
    assert info["study"] == "web-test"
    kinds = {(c["kind"], c["altitude"]) for c in info["coverage"]}
    assert kinds == {(k, a) for k in ("detection", "engagement") for a in ("1000 m AMSL", "8000 m AMSL")}
    assert info["sites"] == ["u/b test-radar"] and len(info["rings"]) == 1
    w, s, e, n = info["extent"]
    assert w < SITE[1] < e and s < SITE[0] < n
    assert "coverage/coverage.geojson" in info["files"] and "web-test.yaml" in info["scenario_files"]
    assert any("World Borders 0.3" in c and "CC BY-SA 3.0" in c for c in info["credits"])
    assert info["hillshade"]["url"] == "/api/hillshade.png"


def test_coverage(client: TestClient) -> None:
    doc = client.get("/api/coverage").json()
    assert doc["type"] == "FeatureCollection"
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert kinds.count("detection") == 2 and kinds.count("site") == 1 and kinds.count("ring") == 1
    only = client.get("/api/coverage", params={"kind": "engagement"}).json()["features"]
    assert len(only) == 2 and {f["properties"]["kind"] for f in only} == {"engagement"}
    bad = client.get("/api/coverage", params={"kind": "nonsense"})
    assert bad.status_code == 422 and "detail" in bad.json()


def test_coverage_missing(tmp_path: Path, catalog: Catalog) -> None:
    empty = TestClient(create_app(tmp_path, catalog=catalog))
    assert empty.get("/api/coverage").status_code == 404
    info = empty.get("/api/layers").json()
    assert info["coverage"] == [] and info["hillshade"] is None
    assert empty.get("/api/hillshade.png").status_code == 404


def test_borders(client: TestClient) -> None:
    doc = client.get("/api/borders", params={"bbox": "25,35,45,43"}).json()
    names = {f["properties"]["name"] for f in doc["features"]}
    assert "Turkey" in names and "Brazil" not in names
    assert "CC BY-SA 3.0" in doc["attribution"]
    turkey = next(f for f in doc["features"] if f["properties"]["iso3"] == "TUR")
    w, s, e, n = turkey["bbox"]
    assert 25 < w < 27 and 35 < s < 37 and 44 < e < 45.5 and 41.5 < n < 42.5
    for bbox in ("1,2,3", "a,b,c,d", "10,20,5,30", "0,-95,10,10"):
        r = client.get("/api/borders", params={"bbox": bbox})
        assert r.status_code == 400 and "bbox" in r.json()["detail"], bbox
    assert client.get("/api/borders", params={"tolerance_deg": 5}).status_code == 422


def test_hillshade(client: TestClient) -> None:
    r = client.get("/api/hillshade.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_scenarios_and_routes(client: TestClient) -> None:
    doc = client.get("/api/scenarios").json()
    by_name = {s["name"]: s for s in doc["scenarios"]}
    assert doc["default"] == "web-test.yaml"
    assert by_name["web-test.yaml"]["valid"] and by_name["web-test.yaml"]["threats"] == 5
    assert by_name["ankara-s400"]["source"] == "builtin" and by_name["ankara-s400"]["valid"]
    routes = client.get("/api/routes", params={"scenario": "web-test.yaml"}).json()
    kinds = [f["properties"]["kind"] for f in routes["features"]]
    assert kinds.count("route") == 2 and "unit" in kinds and "asset" in kinds
    line = next(f for f in routes["features"] if f["properties"]["name"] == "west")["geometry"]
    assert line["coordinates"][-1] == [SITE[1], SITE[0]] and len(line["coordinates"]) > 3
    assert client.get("/api/routes", params={"scenario": "nope"}).status_code == 404
    assert client.get("/api/routes").status_code == 422
    assert client.get("/api/routes", params={"scenario": "ankara-s400"}).status_code == 200


def test_replay(client: TestClient) -> None:
    r = client.get("/api/replay", params={"scenario": "web-test.yaml", "seed": 3})
    assert r.status_code == 200
    doc = r.json()
    assert doc["seed"] == 3 and doc["step_s"] == 10.0 and doc["times_s"][:3] == [0.0, 10.0, 20.0]
    assert len(doc["threats"]) == 5 and doc["summary"]["threats"] == 5
    assert {e["kind"] for e in doc["events"]} >= {"launch", "detection"}
    for th in doc["threats"]:
        assert len(th["track"]) == len(doc["times_s"])
        assert th["outcome"] in ("killed", "leaked", "survived")
        if th["outcome"] == "killed":
            assert th["killed_s"] == th["end_s"]
        flown = [p for p in th["track"] if p is not None]
        assert flown and all(abs(p[2] - 3000) < 1 for p in flown)
        # flies towards the site
        d0 = GEOD.inv(flown[0][1], flown[0][0], SITE[1], SITE[0])[2]
        d1 = GEOD.inv(flown[-1][1], flown[-1][0], SITE[1], SITE[0])[2]
        assert d1 < d0
    first = doc["threats"][0]["track"][0]
    assert first == pytest.approx([*point(270, 150, 5), 3000.0], abs=1e-3)
    north = [t for t in doc["threats"] if t["raid"] == "north"]
    assert all(t["track"][0] is None and t["launch_s"] >= 60 for t in north)
    # the same seed gives the same run (from the cache or not); another step_s samples differently
    assert client.get("/api/replay", params={"scenario": "web-test.yaml", "seed": 3}).json() == doc
    coarse = client.get("/api/replay", params={"scenario": "web-test.yaml", "seed": 3, "step_s": 60}).json()
    assert coarse["times_s"][1] == 60.0 and coarse["summary"] == doc["summary"]


def test_ballistic_arcs_and_their_replay(client: TestClient, catalog: Catalog) -> None:
    # turkey-bmd's raids are drawn as their ground tracks from launch to impact with the apogee and the
    # heights along the flight; the replay's heights follow the trajectory: they rise from the ground to its
    # apogee (within the sampling of the replay's steps) and fall back toward the impact
    from iadsim.scenario import resolve_scenario

    sc = resolve_scenario("turkey-bmd", catalog)
    routes = client.get("/api/routes", params={"scenario": "turkey-bmd"}).json()
    arcs = [f for f in routes["features"] if f["properties"].get("trajectory") == "ballistic"]
    assert [f["properties"]["name"] for f in arcs] == [r.name for r in sc.raids]
    for feature, raid in zip(arcs, sc.raids, strict=True):
        flight = sc.flight_of(raid, catalog)
        props, line = feature["properties"], feature["geometry"]["coordinates"]
        assert line[0] == pytest.approx([raid.launch[1], raid.launch[0]], abs=1e-5)  # type: ignore[index]
        assert line[-1] == pytest.approx([35.426, 37.002], abs=1e-5)
        assert props["apogee_km"] == pytest.approx(flight.trajectory.apogee_height_m / 1e3, abs=0.05)
        assert max(props["heights_m"]) == pytest.approx(flight.trajectory.apogee_height_m, rel=1e-3)
        assert len(props["heights_m"]) == len(line)
    doc = client.get("/api/replay", params={"scenario": "turkey-bmd", "seed": 1, "step_s": 5}).json()
    first = doc["threats"][0]
    apogee = sc.flight_of(sc.raids[0], catalog).trajectory.apogee_height_m
    heights = [p[2] for p in first["track"] if p is not None]
    assert max(heights) == pytest.approx(apogee, rel=0.01)  # (a step of 5 s samples near the top)
    top = heights.index(max(heights))
    assert heights[: top + 1] == sorted(heights[: top + 1]) and heights[top:] == sorted(heights[top:])[::-1]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"scenario": "unknown-scenario", "seed": 1}, 404),
        ({"scenario": "../../etc/passwd", "seed": 1}, 404),
        ({"scenario": "/etc/hosts", "seed": 1}, 404),
        ({"scenario": "web-test.yaml", "seed": "abc"}, 422),
        ({"scenario": "web-test.yaml", "seed": "1.5"}, 422),
        ({"scenario": "web-test.yaml", "seed": -1}, 400),
        ({"scenario": "web-test.yaml", "seed": 2**40}, 400),
        ({"scenario": "web-test.yaml", "seed": 1, "step_s": 0}, 400),
        ({"scenario": "web-test.yaml", "seed": 1, "step_s": "nan"}, 400),
        ({"scenario": "web-test.yaml", "seed": 1, "step_s": "x"}, 422),
        ({"seed": 1}, 422),
        ({"scenario": "", "seed": 1}, 422),
    ],
)
def test_replay_bad_parameters(client: TestClient, params: dict[str, Any], status: int) -> None:
    r = client.get("/api/replay", params=params)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json" and r.json()["detail"]


def test_invalid_scenario_file_is_422(tmp_path: Path, catalog: Catalog) -> None:
    (tmp_path / "broken.yaml").write_text("version: 1\nname: x\nunits: []\n", encoding="utf-8")
    c = TestClient(create_app(tmp_path, catalog=catalog))
    doc = c.get("/api/scenarios").json()
    assert "broken.yaml" not in [s["name"] for s in doc["scenarios"]]
    (entry,) = doc["skipped"]
    assert entry["file"] == "broken.yaml" and "units" in entry["reason"]
    r = c.get("/api/replay", params={"scenario": "broken.yaml", "seed": 1})
    assert r.status_code == 422 and "broken.yaml" in r.json()["detail"]


def test_files(client: TestClient, data_dir: Path) -> None:
    r = client.get("/files/coverage/ring-vs-real.json")
    assert r.status_code == 200 and r.json()["name"] == "web-test"
    assert client.get("/files/notes.txt").text == "hello"
    assert client.get("/files/coverage").status_code == 404  # a folder
    assert client.get("/files/missing.txt").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/files/../../../../etc/passwd",
        "/files/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/files/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/files/%252e%252e/%252e%252e/etc/passwd",
        "/files/coverage/%2e%2e/%2e%2e/secret.txt",
        "/files/..%5c..%5csecret.txt",
        "/files//etc/passwd",
        "/files/%2fetc%2fpasswd",
        "/files/C:%5cWindows%5cwin.ini",
        "/files/notes.txt%00.png",
        "/files/outside-link",
        "/files/inside-dir-link/secret.txt",
    ],
)
def test_path_traversal(data_dir: Path, catalog: Catalog, path: str) -> None:
    """Nothing outside the data folder is served, however the path is spelt (secret.txt lies beside it)."""
    outside = data_dir.parent / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    for name, target in (("outside-link", outside), ("inside-dir-link", data_dir.parent)):
        link = data_dir / name
        if not link.is_symlink():
            link.symlink_to(target)
    c = TestClient(create_app(data_dir, catalog=catalog))
    r = c.get(path)
    assert r.status_code in (400, 404), (path, r.status_code)
    assert "secret" not in r.text and "root:" not in r.text
    assert "outside-link" not in c.get("/api/layers").json()["files"]


def test_read_only(client: TestClient) -> None:
    for method in ("post", "put", "delete", "patch"):
        r = getattr(client, method)("/files/notes.txt")
        assert r.status_code == 405, method
    assert client.post("/api/replay", params={"scenario": "web-test.yaml", "seed": 1}).status_code == 405


def test_missing_data_folder(tmp_path: Path) -> None:
    from iadsim.errors import IadsimError

    with pytest.raises(IadsimError, match="no such data folder"):
        create_app(tmp_path / "nope")


def test_serve_command(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve``: a missing folder is an InputError (exit 2 in ``iadsim``); otherwise it prints the URL and
    hands the app to uvicorn on the given host and port."""
    import typer
    import uvicorn
    from typer.testing import CliRunner

    from iadsim.cli.serve import serve
    from iadsim.errors import InputError

    app = typer.Typer()
    app.command()(serve)
    missing = CliRunner().invoke(app, ["--data", str(tmp_path / "nope")])
    assert isinstance(missing.exception, InputError) and "no such data folder" in str(missing.exception)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    ok = CliRunner().invoke(app, ["--data", str(data_dir), "--port", "8123"])
    assert ok.exit_code == 0, ok.output
    assert "http://127.0.0.1:8123/" in ok.output
    assert calls and calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8123
    assert CliRunner().invoke(app, ["--data", str(data_dir), "--port", "0"]).exit_code == 2


# ------------------------------------------------------------------------------------------------ browser


@pytest.fixture(scope="module")
def server(data_dir: Path, catalog: Catalog) -> Iterator[str]:
    """uvicorn serving the test data folder on 127.0.0.1 in a background thread."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        create_app(data_dir, catalog=catalog), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium for the browser test")
@pytest.mark.slow  # (headless Chromium: 6 s)
def test_page_in_browser(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("request", lambda req: requests.append(req.url))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(server + "/")
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            # the map, its borders, the coverage, sites, rings, routes and threats are drawn
            assert page.locator(".leaflet-container").count() == 1
            assert page.locator("path.border").count() > 10
            coverage = page.locator("path.coverage")
            assert coverage.count() >= 1
            assert page.locator("path.coverage-detection").count() == 2  # detection at both altitudes
            assert page.locator("path.ring").count() == 1 and page.locator("path.site").count() == 1
            assert page.locator("path.route").count() == 2
            assert page.locator("img.relief").count() == 1
            assert "World Borders 0.3" in page.locator(".leaflet-control-attribution").inner_text()
            # toggling the coverage off removes its paths, on restores them
            page.click("#toggle-coverage")
            assert page.locator("path.coverage").count() == 0
            page.click("#toggle-coverage")
            assert page.locator("path.coverage-detection").count() == 2
            # one altitude alone
            page.click("#cov-0")
            assert page.locator("path.coverage-detection").count() == 1
            page.click("#cov-0")
            # the replay: markers move with the slider
            assert "5 threats" in page.locator("#replay-status").inner_text()
            assert page.locator("#replay-time").inner_text().startswith("t = 0 s")
            marker = page.locator("path.threat-marker").first
            before = marker.get_attribute("d")
            slider = page.locator("#replay-slider")
            slider.focus()
            for _ in range(12):
                page.keyboard.press("ArrowRight")
            assert page.locator("#replay-time").inner_text().startswith("t = 120 s (2:00)")
            after = page.locator("path.threat-marker").first.get_attribute("d")
            assert before and after and before != after
            page.keyboard.press("End")
            assert page.locator("#replay-counts").inner_text().startswith("in flight 0")
            page.keyboard.press("Home")
            for _ in range(25):
                page.keyboard.press("ArrowRight")
            shot = tmp_path / "web-map.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    shutil.copy(shot, "/tmp/iadsim-web-map.png")
    assert not errors, errors
    hosts = {r.split("/")[2] for r in requests if r.startswith("http")}
    assert hosts == {server.split("/")[2]}, hosts
    assert all(r.startswith(server) or r.startswith("data:") for r in requests), requests
    assert any("/api/replay" in r for r in requests) and any("/api/borders" in r for r in requests)
    assert json.dumps(requests)  # recorded


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium for the browser test")
def test_docs_in_browser(server: str) -> None:
    """The API docs page renders every endpoint with nothing fetched from another host."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("request", lambda req: requests.append(req.url))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(server + "/docs")
            page.wait_for_selector(".swagger-ui .opblock-get", timeout=30_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            title = page.locator(".swagger-ui .title").first.inner_text()
        finally:
            browser.close()
    assert not errors, errors
    assert "iadsim web map" in title
    assert {"/api/layers", "/api/replay", "/api/borders", "/files/{path}"} <= {p.strip() for p in paths}
    assert all(r.startswith(server) or r.startswith("data:") for r in requests), requests
