"""Running a study: batches of replications, serially in this process or on a Dask cluster, stored as
they finish; a resumed study computes nothing twice."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from iadsim.catalog import Catalog
from iadsim.errors import InputError
from iadsim.montecarlo.study import StudySpec, replication_seed
from iadsim.montecarlo.uncertainty import disputed_figures, draw, fixed_figures
from iadsim.sim.engine import run
from iadsim.sim.world import World, build_world
from iadsim.store import StudyStore, manifest


def run_batch(
    world: World, point: int, label: str, reps: list[int], seed: int, uncertainty: bool
) -> list[dict[str, Any]]:
    """Replications ``reps`` of one point (runs on a worker).

    Each replication's run uses the stream ``SeedSequence(seed, spawn_key=(point, rep, 0))`` and its draws
    of disputed figures the stream ``(point, rep, 1)``.
    """
    disputed = disputed_figures(world.figures.values()) if uncertainty else []
    out = []
    for rep in reps:
        seq = replication_seed(seed, point, rep)
        draws = draw(disputed, seq) if uncertainty else {}
        w = world.with_figures(draws)
        res = run(w, np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 0)), record_events=False)
        summary = res.summary()
        summary.pop("scenario")
        summary.pop("seed")
        out.append({"point": point, "label": label, "replication": rep, **summary, "draws": draws})
    return out


@dataclass
class StudyRun:
    """What a call to :func:`run_study` did."""

    study_id: str
    total: int
    computed: int
    skipped: int
    interrupted: bool = False
    timing: dict[str, float] = field(default_factory=dict)


def warm_up() -> None:
    """Import the engine and load its compiled kernels: what a worker's first replication would otherwise
    wait for (sent to every worker while the client builds the worlds)."""
    from iadsim.sim import engine

    engine.warm_up()


#: How long closing a cluster waits for the workers' warm-ups still running, s.
WARM_UP_WAIT_S = 120.0


class StudyCluster:
    """A Dask client: on a new ``LocalCluster`` of ``workers`` single-threaded processes, or on the
    cluster of ``scheduler``; every worker starts warming up (:func:`warm_up`) at once.

    An address that cannot be reached is an :class:`InputError`. :func:`run_study` starts one for a study;
    a caller running several studies can start one (a context manager: closed at its end) and give it to
    each, so that the workers start once.
    """

    def __init__(self, workers: int, scheduler: str | None) -> None:
        import dask
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler is None:
            # Every core goes to the replications: workers without Dask's statistical profiler (it samples
            # the running task's stack every 10 ms, a few per cent of a replication), event loops checked
            # every 0.5 s, and no work stealing (equal workers, tasks queued at the scheduler). In the
            # workers, numpy asks for no transparent huge pages: the worlds they receive are unpickled into
            # large arrays, and the kernel's zeroing of a huge page at its first touch took a fifth of the
            # demo's CPU time (``perf``, ``clear_page_erms``).
            quiet = {
                "distributed.worker.profile.enabled": False,
                "distributed.admin.tick.interval": "500ms",
                "distributed.scheduler.work-stealing": False,
                "distributed.nanny.pre-spawn-environ": {
                    **dask.config.get("distributed.nanny.pre-spawn-environ", {}),
                    "NUMPY_MADVISE_HUGEPAGE": "0",
                },
            }
            with dask.config.set(quiet):
                self.cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(scheduler)
            except (OSError, ValueError, TypeError) as exc:
                raise InputError(f"--scheduler: cannot connect to {scheduler!r} ({exc})") from None
        self.warming = {
            addr: self.client.submit(warm_up, workers=[addr], allow_other_workers=False, pure=False)
            for addr in self.client.scheduler_info()["workers"]
        }

    def __enter__(self) -> StudyCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client, and the local cluster if there is one, without an error on the way.

        A worker whose heartbeat is in flight when the scheduler closes logs the broken connection with its
        traceback (``CommClosedError``), and a busy one is killed. So, before a local cluster closes: a task
        that runs cannot be cancelled, and a worker still warming up (a short study, or one with nothing
        left to do) is waited for, up to :data:`WARM_UP_WAIT_S`; then every worker stops its heartbeats
        (:func:`_stop_heartbeats`) while the scheduler is still there to answer the last one. A worker that
        was lost is not waited for (its warm-up can never finish), nor are those of a cluster this client
        did not start (it stays up: their warm-ups are cancelled).
        """
        from distributed import wait

        try:
            if self.cluster is not None:
                alive = set(self.client.scheduler_info()["workers"])
                wait([f for addr, f in self.warming.items() if addr in alive], timeout=WARM_UP_WAIT_S)
                self.client.run(_stop_heartbeats)
        except Exception:  # (a timeout, or a worker lost meanwhile: close all the same)
            pass
        finally:
            for fut in self.warming.values():
                fut.cancel()
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


async def _stop_heartbeats(dask_worker: Any) -> None:
    """On a worker of a local cluster about to close: no more heartbeats, nor requests for missing data;
    one last heartbeat, answered, so that none sent before is still waiting when the scheduler closes."""
    for name in ("heartbeat", "find-missing"):
        callback = dask_worker.periodic_callbacks.get(name)
        if callback is not None:
            callback.stop()
    await dask_worker.heartbeat()


def run_study(
    spec: StudySpec,
    catalog: Catalog,
    store: StudyStore,
    workers: int = 1,
    scheduler: str | None = None,
    batch_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    stop_after_batches: int | None = None,
    cluster: StudyCluster | None = None,
) -> StudyRun:
    """Run the replications of ``spec`` not yet in ``store``.

    One worker and no scheduler: batches run here, one after another. ``workers > 1``: a Dask
    ``LocalCluster`` of that many single-threaded worker processes; ``scheduler``: an existing Dask cluster
    (``tcp://host:port``); ``cluster``: a :class:`StudyCluster` the caller started (and closes; ``workers``
    and ``scheduler`` are then ignored). Each point's world (terrain, floors, routes) is built here, in a
    thread while the cluster starts and its workers import the engine; the worlds are then sent once to
    every worker; tasks are batches of replications. Batches are stored, one transaction each, as they
    finish; Ctrl-C stops cleanly (finished batches stay stored). ``stop_after_batches`` stops after that
    many batches, as an interruption would (for tests).
    """
    t0 = time.perf_counter()
    points = spec.points()

    def build() -> dict[int, World]:
        # the points of a sweep share the grid, floors and coverages where their radars and grid agree
        worlds: dict[int, World] = {}
        for p in points:
            worlds[p.index] = build_world(p.scenario, catalog, like=next(iter(worlds.values()), None))
        return worlds

    own = None
    try:
        if cluster is not None:
            worlds = build()
            workers = len(cluster.warming)
        elif (scheduler is None and workers <= 1) or _complete(spec, catalog, store):
            worlds = build()  # (here; or nothing is left to do: no cluster to start)
        elif scheduler is not None:
            cluster = own = StudyCluster(workers, scheduler)  # a running cluster: connect first, fail fast
            worlds = build()  # (while its workers warm up)
        else:
            with ThreadPoolExecutor(1) as pool:  # (the floors' kernels release the GIL)
                building = pool.submit(build)
                cluster = own = StudyCluster(workers, scheduler)
                worlds = building.result()
        return _run_study(
            spec, catalog, store, workers, cluster, worlds, batch_size, progress, stop_after_batches, t0
        )
    finally:
        if own is not None:
            own.close()


def _complete(spec: StudySpec, catalog: Catalog, store: StudyStore) -> bool:
    """Whether every replication of ``spec`` is stored already."""
    done = store.done(spec.study_id(catalog.digest))
    return all((p.index, r) in done for p in spec.points() for r in range(spec.runs))


def _run_study(
    spec: StudySpec,
    catalog: Catalog,
    store: StudyStore,
    workers: int,
    cluster: StudyCluster | None,
    worlds: dict[int, World],
    batch_size: int | None,
    progress: Callable[[int, int], None] | None,
    stop_after_batches: int | None,
    t0: float,
) -> StudyRun:
    study_id = spec.study_id(catalog.digest)
    points = spec.points()
    first = worlds[points[0].index]
    man = manifest(
        scenario=spec.scenario.name,
        scenario_digest=spec.scenario.digest,
        catalog_digest=catalog.digest,
        dem=first.terrain_identity,
        seed=spec.seed,
    )
    used = {name: use for w in worlds.values() for name, use in w.figures.items()}
    if spec.uncertainty:
        man["figures_drawn"] = [d.describe() for d in disputed_figures(used.values())]
        man["figures_fixed"] = fixed_figures(used.values())
    else:
        man["figures_fixed"] = sorted(used)
    store.ensure_study(study_id, spec.describe(), man)
    done = store.done(study_id)
    n_workers = max(workers, len(cluster.warming) if cluster is not None else 1)
    todo = [(p, [r for r in range(spec.runs) if (p.index, r) not in done]) for p in points]
    batches = _batches(todo, batch_size, n_workers)
    total = len(points) * spec.runs
    finished = total - sum(len(b[2]) for b in batches)
    result = StudyRun(study_id, total, 0, finished)
    t_setup = time.perf_counter() - t0
    if progress:
        progress(finished, total)
    try:
        if cluster is None:
            for n, (pi, label, reps) in enumerate(batches):
                if stop_after_batches is not None and n >= stop_after_batches:
                    result.interrupted = True
                    break
                rows = run_batch(worlds[pi], pi, label, reps, spec.seed, spec.uncertainty)
                store.add_replications(study_id, rows)
                result.computed += len(rows)
                if progress:
                    progress(finished + result.computed, total)
        elif batches:
            _run_dask(
                cluster.client,
                spec,
                worlds,
                batches,
                store,
                study_id,
                progress,
                result,
                finished,
                stop_after_batches,
            )
    except KeyboardInterrupt:
        result.interrupted = True
    result.timing = {"setup_s": t_setup, "total_s": time.perf_counter() - t0}
    return result


@dataclass(frozen=True, eq=False)
class _Worlds:
    """The worlds of a study's points, sent to the workers as one object."""

    by_point: dict[int, World]


def run_point_batch(
    worlds: _Worlds, point: int, label: str, reps: list[int], seed: int, uncertainty: bool
) -> list[dict[str, Any]]:
    """:func:`run_batch` on the world of ``point`` (runs on a worker)."""
    return run_batch(worlds.by_point[point], point, label, reps, seed, uncertainty)


def _batches(
    todo: list[tuple[Any, list[int]]], batch_size: int | None, workers: int
) -> list[tuple[int, str, list[int]]]:
    """Batches ``(point index, label, replications)`` of the replications still to do, per point.

    With ``batch_size``, batches of that size. Without, guided sizes: from 25 replications (a second or two
    of work) down to 5 (a fraction of one), about an eighth of what is left per worker, so that the batches
    shrink towards the end of the study and the workers finish together. Results do not depend on the
    batches: each replication has its own random stream.
    """
    remaining = sum(len(reps) for _, reps in todo)
    batches = []
    for p, reps in todo:
        i = 0
        while i < len(reps):
            size = batch_size or min(25, max(5, math.ceil(remaining / (8 * workers))))
            batches.append((p.index, p.label, reps[i : i + size]))
            remaining -= len(reps[i : i + size])
            i += size
    return batches


def _run_dask(
    client: Any,
    spec: StudySpec,
    worlds: dict[int, World],
    batches: list[tuple[int, str, list[int]]],
    store: StudyStore,
    study_id: str,
    progress: Callable[[int, int], None] | None,
    result: StudyRun,
    finished: int,
    stop_after_batches: int | None,
) -> None:
    from distributed import as_completed

    # the worlds go in one piece, so that what they share (floors, coverages) stays shared on the workers
    remote = client.scatter(_Worlds(worlds), broadcast=True, hash=False)
    futures = [
        client.submit(run_point_batch, remote, pi, label, reps, spec.seed, spec.uncertainty, pure=False)
        for pi, label, reps in batches
    ]
    try:
        for n, (_, rows) in enumerate(as_completed(futures, with_results=True)):
            store.add_replications(study_id, rows)
            result.computed += len(rows)
            if progress:
                progress(finished + result.computed, result.total)
            if stop_after_batches is not None and n + 1 >= stop_after_batches:
                result.interrupted = True
                break
    finally:
        for fut in futures:
            fut.cancel()
