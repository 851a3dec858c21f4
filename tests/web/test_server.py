"""The web map served by a real ``iadsim serve`` process on 127.0.0.1: a long replay whose client leaves
stops using the CPU, and SIGTERM during a long replay stops the server within seconds."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.helpers import DATA, free_port, web_scenario_doc

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the server's CPU time in /proc"),
]
#: What the long replay asks for: several seconds of engine work (17 threats launched 5000 s apart, each
#: flying 150 km at 25 m/s, one or two always in the air over 86,000 one-second steps, within the day a
#: scenario may last).
LONG = "/api/replay?scenario=long.yaml&seed=1&step_s=600"


def _long_scenario() -> dict[str, object]:
    doc = web_scenario_doc()
    raid = doc["raids"][0]  # type: ignore[index]
    raid.update(count=17, interval_s=5000, speed_mps=25)
    doc.update(name="long", duration_s=86_400, raids=[raid])
    return doc


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web-server")
    (root / "long.yaml").write_text(yaml.safe_dump(_long_scenario(), sort_keys=False), encoding="utf-8")
    (root / "web-test.yaml").write_text(yaml.safe_dump(web_scenario_doc(), sort_keys=False), encoding="utf-8")
    return root


class Server:
    """``python -m iadsim serve`` in a child process, its output in a file."""

    def __init__(self, folder: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        cmd = [sys.executable, "-m", "iadsim", "--catalog", str(DATA / "test-catalog.yaml"), "serve"]
        cmd += ["--data", str(folder), "--port", str(self.port)]
        with log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, self.output()
            try:
                with urllib.request.urlopen(self.url + "/api/layers", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start: " + self.output()
            time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def cpu_s(self) -> float:
        """CPU time the server process has used so far (user + system), s."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def start_long_replay(self) -> socket.socket:
        """Send the long replay's request on a raw connection and return once the server is busy with it
        (a second of CPU spent)."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        base = self.cpu_s()
        sock.sendall(f"GET {LONG} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        deadline = time.monotonic() + 30
        while self.cpu_s() - base < 1.0:
            assert time.monotonic() < deadline, "the replay did not start"
            time.sleep(0.05)
        return sock

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def server(folder: Path, tmp_path: Path) -> Iterator[Server]:
    srv = Server(folder, tmp_path / "server.log")
    try:
        yield srv
    finally:
        srv.stop()


def test_replay_stops_when_its_client_leaves(server: Server) -> None:
    sock = server.start_long_replay()
    sock.close()
    time.sleep(1.0)
    before = server.cpu_s()
    time.sleep(1.0)
    used = server.cpu_s() - before
    assert used < 0.25, f"the server still used {used:.2f} s of CPU in 1 s after its client left"
    # it answers as before, and a completed replay is unchanged by the stopped one
    with urllib.request.urlopen(server.url + "/api/replay?scenario=web-test.yaml&seed=3", timeout=60) as r:
        doc = json.load(r)
    assert doc["seed"] == 3 and len(doc["threats"]) == 5
    assert "Traceback" not in server.output(), server.output()


def test_sigterm_during_a_replay_stops_the_server(server: Server) -> None:
    sock = server.start_long_replay()
    t0 = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running 5 s after SIGTERM: {server.output()}")
    took = time.monotonic() - t0
    reply = b""
    try:
        while chunk := sock.recv(65536):
            reply += chunk
    except OSError:
        pass
    sock.close()
    assert took < 5
    # the client is told (or its connection closed), and no traceback is printed
    assert not reply or reply.startswith(b"HTTP/1.1 503"), reply[:200]
    assert "Traceback" not in server.output(), server.output()


def test_fifty_concurrent_clients_and_one_bad_file(folder: Path, tmp_path: Path) -> None:
    """300 requests, 50 in flight, across the API while one scenario file in the folder is not UTF-8: every
    answer is the one expected (the bad file's routes and replay a 422 naming it), none fails."""
    import asyncio

    import httpx

    (folder / "bad-latin1.yaml").write_bytes("name: caf\u00e9\n".encode("latin-1"))
    srv = Server(folder, tmp_path / "server.log")
    mix = [
        ("/api/layers", 200),
        ("/api/scenarios", 200),
        ("/api/routes?scenario=web-test.yaml", 200),
        ("/api/replay?scenario=web-test.yaml&seed=1", 200),
        ("/api/replay?scenario=web-test.yaml&seed=2", 200),
        ("/api/routes?scenario=bad-latin1.yaml", 422),
        ("/api/replay?scenario=bad-latin1.yaml&seed=1", 422),
        ("/api/borders?tolerance_deg=0.05", 200),
        ("/files/.hidden", 404),
        ("/", 200),
    ]
    failures: list[str] = []

    async def fire() -> None:
        limits = httpx.Limits(max_connections=50, keepalive_expiry=2.0)
        async with httpx.AsyncClient(base_url=srv.url, timeout=120, limits=limits) as client:
            gate = asyncio.Semaphore(50)

            async def one(path: str, status: int) -> None:
                async with gate:
                    try:
                        r = await client.get(path)
                    except httpx.HTTPError as exc:
                        failures.append(f"{path}: {exc!r}")
                        return
                    if r.status_code != status:
                        failures.append(f"{path}: {r.status_code} {r.text[:200]}")
                    elif status == 422 and "bad-latin1.yaml" not in r.text:
                        failures.append(f"{path}: the 422 does not name the file: {r.text[:200]}")

            await asyncio.gather(*(one(*mix[i % len(mix)]) for i in range(300)))

    try:
        asyncio.run(fire())
        with urllib.request.urlopen(srv.url + "/api/scenarios", timeout=30) as r:
            listing = json.load(r)
    finally:
        srv.stop()
        (folder / "bad-latin1.yaml").unlink()
    assert failures == []
    assert [s["file"] for s in listing["skipped"]] == ["bad-latin1.yaml"]
    assert "Traceback" not in srv.output(), srv.output()
