"""Web map under load: 2,000 requests, 50 in flight, on a demo folder plus one bad scenario file.

    uv run python benchmarks/web_load.py [--data iadsim-demo] [--requests 2000] [--concurrency 50]

Serves a copy of a demo folder (``--data``; by default one made here with ``iadsim demo --mc-runs 2``, about a
minute) to which a scenario file that is not UTF-8 is added, with a real ``iadsim serve`` (uvicorn) process
on 127.0.0.1 and a free port. Fires the requests, shuffled with a fixed seed, across every endpoint: the
page and its static files, the API docs, layers, coverage, borders at a few tolerances, relief, scenarios,
routes, replays of the built-in ``ankara-s400`` (three seeds) and data-folder files, plus the bad file's
routes and replay, which must answer 422. Prints the errors (a transport failure, or a status other than
the one expected), the latency percentiles (p50, p95, p99) over all requests and per endpoint, the
throughput, and the server's resident memory at the end. The client keeps idle connections 2 s, less than
the server's keep-alive timeout (5 s), as a client should (a browser retries a request reset by the close of
a connection it reused; this client does not retry).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import numpy as np

BAD_FILE = "bad-latin1.yaml"
#: (method, path, expected status), each drawn with its weight.
MIX: list[tuple[str, str, int, int]] = [
    ("GET", "/", 200, 2),
    ("GET", "/static/map.js", 200, 2),
    ("GET", "/static/vendor/leaflet/leaflet.js", 200, 2),
    ("GET", "/docs", 200, 1),
    ("GET", "/static/vendor/swagger-ui/swagger-ui.css", 200, 1),
    ("GET", "/api/layers", 200, 4),
    ("GET", "/api/coverage", 200, 3),
    ("GET", "/api/coverage?kind=engagement", 200, 2),
    ("GET", "/api/borders?bbox=12.00,24.00,53.00,55.00", 200, 3),
    ("GET", "/api/borders?bbox=12.00,24.00,53.00,55.00&tolerance_deg=0.05", 200, 2),
    ("GET", "/api/borders?tolerance_deg=0.1", 200, 2),
    ("GET", "/api/borders?bbox=25,35,45,43&tolerance_deg=0.013", 200, 2),
    ("GET", "/api/hillshade.png", 200, 2),
    ("GET", "/api/scenarios", 200, 4),
    ("GET", "/api/routes?scenario=ankara-s400", 200, 3),
    ("GET", f"/api/routes?scenario={BAD_FILE}", 422, 1),
    ("GET", "/api/replay?scenario=ankara-s400&seed=1", 200, 3),
    ("GET", "/api/replay?scenario=ankara-s400&seed=2", 200, 2),
    ("GET", "/api/replay?scenario=ankara-s400&seed=3", 200, 2),
    ("GET", f"/api/replay?scenario={BAD_FILE}&seed=1", 422, 1),
    ("GET", "/files/coverage/ring-vs-real.json", 200, 2),
    ("GET", "/files/detection-ranges.csv", 200, 1),
    ("HEAD", "/api/layers", 200, 1),
    ("HEAD", "/files/coverage/coverage.geojson", 200, 1),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_folder(data: Path | None, work: Path) -> Path:
    """A copy of the demo folder ``data`` (made with ``iadsim demo`` when None) plus the bad file."""
    folder = work / "demo"
    if data is None:
        t = time.perf_counter()
        cmd = [sys.executable, "-m", "iadsim", "demo", "--out", str(folder), "--mc-runs", "2"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        print(f"demo folder made in {time.perf_counter() - t:.0f} s")
    else:
        shutil.copytree(data, folder)
    (folder / BAD_FILE).write_bytes("version: 1\nname: caf\xe9\n".encode("latin-1"))
    return folder


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process, MB (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


async def fire(base: str, plan: list[tuple[str, str, int]], concurrency: int) -> list[tuple[str, float, str]]:
    """Send ``plan`` with ``concurrency`` requests in flight; each result is (path, seconds, error or '')."""
    out: list[tuple[str, float, str]] = []
    queue = list(reversed(plan))
    # idle connections are dropped after 2 s, well before the server closes them (uvicorn's keep-alive
    # timeout, 5 s): reusing one just as the server closes it resets the request, which a browser retries
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120.0) as client:

        async def worker() -> None:
            while queue:
                method, path, expect = queue.pop()
                t = time.perf_counter()
                try:
                    r = await client.request(method, path)
                    await r.aread()
                    error = "" if r.status_code == expect else f"status {r.status_code} (expected {expect})"
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                out.append((path, time.perf_counter() - t, error))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="demo folder to copy (default: make one)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(7)
    weighted = [(m, p, s) for m, p, s, w in MIX for _ in range(w)]
    plan = [weighted[i % len(weighted)] for i in range(args.requests)]
    rng.shuffle(plan)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = make_folder(args.data, work)
        port = free_port()
        log = work / "server.log"
        cmd = [sys.executable, "-m", "iadsim", "serve", "--data", str(folder), "--port", str(port)]
        with log.open("wb") as out:
            server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/api/layers", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start:\n" + log.read_text(errors="replace"))
                time.sleep(0.1)
            t = time.perf_counter()
            results = asyncio.run(fire(base, plan, args.concurrency))
            wall = time.perf_counter() - t
            memory = rss_mb(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        output = log.read_text(errors="replace")

    lat = np.array([s for _, s, _ in results]) * 1e3
    errors = [(p, e) for p, _, e in results if e]
    print(
        f"{len(results)} requests, {args.concurrency} in flight, on a demo folder plus {BAD_FILE} "
        f"(cpus: {os.cpu_count()})"
    )
    print(f"errors: {len(errors)} ({100 * len(errors) / len(results):.1f} %)")
    for path, error in errors[:10]:
        print(f"  {path}: {error}")
    p50, p95, p99 = np.percentile(lat, [50, 95, 99])
    print(f"latency: p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {lat.max():.0f} ms")
    print(f"throughput: {len(results) / wall:.0f} requests/s ({wall:.1f} s)")
    print(f"server memory at the end: {memory:.0f} MB resident" if memory else "server memory: unknown")
    print(f"server log: {output.count('Traceback')} tracebacks, {output.count('skipped scenario')} warnings")
    by_path: dict[str, list[float]] = defaultdict(list)
    for path, s, _ in results:
        by_path[path.split("?")[0]].append(s * 1e3)
    print(f"{'endpoint':42} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for path, values in sorted(by_path.items()):
        q = np.percentile(values, [50, 95, 99])
        print(f"{path:42} {len(values):5d} {q[0]:8.0f} {q[1]:8.0f} {q[2]:8.0f}")


if __name__ == "__main__":
    main()
