"""``iadsim serve``: the offline web map of a data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from iadsim.cli._common import console, get_catalog
from iadsim.errors import InputError


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    data: Annotated[
        Path,
        typer.Option(
            "--data", help="Data folder to show (written by `iadsim demo` or `iadsim coverage map`)."
        ),
    ] = Path("iadsim-demo"),
) -> None:
    """Serve the map of a data folder: coverage, sites, advertised rings, scenario routes and a replay of
    one run, over country borders; works without internet. Read-only; stop with Ctrl+C."""
    if not data.is_dir():
        raise InputError(f"{data}: no such data folder (run `iadsim demo` first, or give --data)")
    import uvicorn

    from iadsim.web.app import create_app

    app = create_app(data, catalog=get_catalog())
    with console.status("loading the engine..."):
        from iadsim.sim import engine

        engine.warm_up()  # once, now: a replay then spends its time in steps that its client can stop
    shown = f"[{host}]" if ":" in host else host
    console.print(f"iadsim map of {data.resolve()} at http://{shown}:{port}/  (API docs: /docs)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"[yellow]warning:[/] listening on {host}: other machines can read this data folder")
    uvicorn.run(app, host=host, port=port, log_level="warning")
