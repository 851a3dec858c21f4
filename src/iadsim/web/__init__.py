"""The offline web map: a FastAPI app (:func:`iadsim.web.app.create_app`) and its static page (Leaflet,
vendored), served by ``iadsim serve``. It shows the coverage, sites, rings and routes of a data folder over
country borders, and replays one engine run on a time slider; it needs no internet."""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from iadsim.web.app import create_app

        return create_app
    raise AttributeError(name)
