"""The HTML report: one self-contained file from a demo/output folder or a DuckDB results file.

Everything the report shows is inside the file: images are base64 ``data:`` URIs, the stylesheet is inline,
and there are no scripts, fonts or other resources fetched from anywhere. The only external addresses are
the ``<a href>`` links to the published sources of the catalog figures, which a reader may follow.

Sections (stable element ids): ``summary``, ``coverage``, ``monte-carlo``, ``assumptions``, ``manifest``.
A section whose data is absent from the input says so instead of disappearing.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iadsim.errors import InputError

if TYPE_CHECKING:
    from iadsim.catalog import Catalog, Figure

SECTION_IDS = ("summary", "coverage", "monte-carlo", "ballistic", "assumptions", "manifest")

_SENSITIVITY_ROWS = 12

STYLE = """
:root { --fg: #1d2330; --muted: #5b6475; --line: #d8dce4; --accent: #1f5fa8; --warn: #9a3b00;
        --bg-alt: #f5f7fa; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--fg); margin: 0; line-height: 1.45; font-size: 15px; }
header.top { background: #17263c; color: #fff; padding: 1.2rem 2rem; }
header.top h1 { margin: 0 0 .3rem 0; font-size: 1.6rem; }
header.top p { margin: 0; color: #c9d3e3; font-size: .9rem; }
nav { background: #22344f; padding: .4rem 2rem; }
nav a { color: #dfe7f3; margin-right: 1.4rem; text-decoration: none; font-size: .9rem; }
nav a:hover { text-decoration: underline; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 2rem 3rem 2rem; }
section { margin-top: 2rem; border-top: 2px solid var(--line); padding-top: .5rem; }
h2 { font-size: 1.35rem; margin: .6rem 0; }
h3 { font-size: 1.1rem; margin: 1.4rem 0 .5rem 0; }
h4 { font-size: 1rem; margin: 1rem 0 .4rem 0; }
p.note, .muted { color: var(--muted); font-size: .9rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem 0; font-size: .86rem; width: auto; max-width: 100%; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; color: var(--muted); }
th, td { border: 1px solid var(--line); padding: .25rem .55rem; vertical-align: top; }
th { background: var(--bg-alt); text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fbfcfd; }
figure { margin: 1rem 0 1.6rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .88rem; margin-top: .3rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
ul.headlines li { margin: .2rem 0; }
.flag { color: var(--warn); font-weight: 600; }
.conf-high { color: #1e6b2f; } .conf-medium { color: #7a5b00; } .conf-low { color: var(--warn); }
code { font-size: .85em; background: var(--bg-alt); padding: 0 .2em; }
a { color: var(--accent); }
"""


# --------------------------------------------------------------------------------------------------- inputs


@dataclass
class Results:
    """What a DuckDB results file holds: studies (with replications and summaries) and single runs."""

    path: Path
    studies: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReportInputs:
    """The files found in the input, by role."""

    source: Path
    folder: Path | None = None
    assumptions_csv: Path | None = None
    detection_csv: Path | None = None
    detection_png: Path | None = None
    blake_pngs: list[Path] = field(default_factory=list)
    surface_csv: Path | None = None
    surface_png: Path | None = None
    signatures_csv: Path | None = None
    signatures_png: Path | None = None
    free_space_pngs: list[Path] = field(default_factory=list)
    saturation_csv: Path | None = None
    saturation_png: Path | None = None
    ballistic_csv: Path | None = None
    ballistic_png: Path | None = None
    coverage_json: Path | None = None
    coverage_pngs: list[Path] = field(default_factory=list)
    coverage_vectors: list[Path] = field(default_factory=list)
    stores: list[Path] = field(default_factory=list)
    results: list[Results] = field(default_factory=list)

    def files(self) -> list[Path]:
        """Every input file the report read."""
        single = [
            self.assumptions_csv,
            self.detection_csv,
            self.detection_png,
            self.surface_csv,
            self.surface_png,
            self.signatures_csv,
            self.signatures_png,
            self.saturation_csv,
            self.saturation_png,
            self.ballistic_csv,
            self.ballistic_png,
            self.coverage_json,
        ]
        out = [p for p in single if p is not None]
        out += (
            self.blake_pngs + self.free_space_pngs + self.coverage_pngs + self.coverage_vectors + self.stores
        )
        return sorted(set(out))


# --------------------------------------------------------------------------------------------- formatting


def _e(value: object) -> str:
    """Escaped text."""
    return escape(str(value), quote=True)


def _num(x: object, fmt: str = ",.3g") -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _e(x) if x not in (None, "") else "–"
    if not math.isfinite(v):
        return "–"
    return format(v, fmt)


def _interval(d: dict[str, float], key: str = "mean", fmt: str = ".3f") -> str:
    """``mean [low, high]``; the interval is left out where it is undefined (one replication)."""
    centre = _num(d.get(key), fmt)
    low, high = d.get("low", math.nan), d.get("high", math.nan)
    if not (isinstance(low, float | int) and math.isfinite(low) and math.isfinite(high)):
        return centre
    return f"{centre} [{_num(low, fmt)}, {_num(high, fmt)}]"


_UNITS = (
    ("_m2", "m²"),
    ("_mps", "m/s"),
    ("_hz", "Hz"),
    ("_deg", "°"),
    ("_kg", "kg"),
    ("_db", "dB"),
    ("_s", "s"),
    ("_m", "m"),
)


def _unit_of(figure: str) -> str:
    """The SI unit named by a figure's field (``max_range_m`` -> m); "" for counts and probabilities."""
    last = figure.split(".")[0] if figure.startswith(("pk.", "loadout.")) else figure.split(".")[-1]
    for suffix, unit in _UNITS:
        if last.endswith(suffix):
            return unit
    return ""


def _quantity(value: float, unit: str) -> str:
    """A value in its SI unit, shown in the unit a reader expects (km, GHz)."""
    if not math.isfinite(value):
        return "–"
    if unit == "m" and abs(value) >= 1000:
        return f"{value / 1e3:,.4g} km"
    if unit == "Hz":
        for scale, name in ((1e9, "GHz"), (1e6, "MHz"), (1e3, "kHz")):
            if abs(value) >= scale:
                return f"{value / scale:.4g} {name}"
    text = f"{value:,.4g}"
    return f"{text} {unit}" if unit else text


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    caption: str | None = None,
    numeric: Sequence[int] = (),
) -> str:
    """An HTML table: ``headers`` are text, row cells already HTML; ``numeric`` columns align right."""
    num = set(numeric)
    head = "".join(f"<th scope='col'>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td class='num'>{c}</td>" if i in num else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _facts(items: Iterable[tuple[str, str]]) -> str:
    """A definition list; values are already HTML."""
    body = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in items)
    return f"<dl class='facts'>{body}</dl>"


#: Embedded PNGs above this size (bytes) are scaled to REPORT_IMAGE_WIDTH px and reduced to 256 colours:
#: a full-resolution coverage map is about 2 MB, about 0.3 MB after.
REPORT_IMAGE_MAX_BYTES = 400_000
REPORT_IMAGE_WIDTH = 1200


def _compact(png: bytes) -> bytes:
    if len(png) <= REPORT_IMAGE_MAX_BYTES:
        return png
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    if width > REPORT_IMAGE_WIDTH:
        image = image.resize(
            (REPORT_IMAGE_WIDTH, round(height * REPORT_IMAGE_WIDTH / width)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(_compact(png)).decode("ascii")


def _figure(png: bytes, caption: str) -> str:
    return (
        f"<figure><img src='{_data_uri(png)}' alt='{_e(caption)}' loading='lazy'>"
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _png_figure(path: Path, caption: str) -> str:
    return _figure(path.read_bytes(), caption)


def _note(text: str) -> str:
    return f"<p class='note'>{_e(text)}</p>"


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object")
    return data


# ------------------------------------------------------------------------------------------------ context


@dataclass
class _Context:
    """Everything read from the input, shared by the sections."""

    inputs: ReportInputs
    catalog: Catalog
    coverage: dict[str, Any] | None
    detection: list[dict[str, str]]
    saturation: list[dict[str, str]]
    assumptions: list[dict[str, str]]
    ballistic: list[dict[str, str]] = field(default_factory=list)

    @property
    def studies(self) -> list[tuple[Results, dict[str, Any]]]:
        return [(r, s) for r in self.inputs.results for s in r.studies]

    @property
    def runs(self) -> list[tuple[Results, dict[str, Any]]]:
        return [(r, run) for r in self.inputs.results for run in r.runs]

    def name(self, entity_id: str) -> str:
        """Catalog name of an id (the id itself if unknown)."""
        try:
            return self.catalog.get(entity_id).name
        except Exception:
            return entity_id

    def scenarios(self) -> list[str]:
        names: list[str] = []
        if self.coverage and self.coverage.get("name"):
            names.append(str(self.coverage["name"]))
        names += [str(s["spec"].get("scenario")) for _, s in self.studies]
        names += [str(r["scenario"]) for _, r in self.runs]
        return list(dict.fromkeys(n for n in names if n and n != "None"))

    def terrains(self) -> list[str]:
        out: list[str] = []
        if self.coverage and self.coverage.get("terrain"):
            out.append(str(self.coverage["terrain"]))
        out += [str(s["manifest"].get("dem")) for _, s in self.studies if s["manifest"].get("dem")]
        out += [str(r["manifest"].get("dem")) for _, r in self.runs if r["manifest"].get("dem")]
        return list(dict.fromkeys(out))

    def systems(self) -> list[str]:
        """Catalog system ids of the scenarios (built-in names resolved) and of the assumptions table."""
        ids: list[str] = []
        for sc in self._resolved_scenarios():
            ids += [u.system for u in sc.units]
        ids += [r["id"] for r in self.assumptions if r.get("id") in self.catalog.systems]
        return list(dict.fromkeys(ids))

    def _resolved_scenarios(self) -> list[Any]:
        from iadsim.scenario import builtin_scenarios, resolve_scenario

        out = []
        builtin = builtin_scenarios()
        for name in self.scenarios():
            if name in builtin:
                try:
                    out.append(resolve_scenario(name, self.catalog))
                except Exception:  # a scenario that no longer loads is just not described
                    continue
        return out

    def entity_ids(self) -> list[str]:
        """Catalog ids the results used, when no assumptions.csv lists them."""
        ids: list[str] = []
        for sc in self._resolved_scenarios():
            for unit in sc.units:
                ids.append(unit.system)
                try:
                    system = self.catalog.system(unit.system)
                except Exception:
                    continue
                ids += [*system.regiment_radars, *system.battalion_radars, system.launcher, *system.missiles]
                if system.command_post:
                    ids.append(system.command_post)
            ids += [r.target for r in sc.raids]
        if self.coverage:
            for site in self.coverage.get("sites", []):
                ids += [site.get("radar_id", ""), *site.get("missiles", [])]
            ids += [row.get("target", "") for row in self.coverage.get("rows", [])]
        for row in self.detection:
            ids += [row.get("radar", ""), row.get("target", "")]
        for _, study in self.studies:
            for rep in study["replications"]:
                ids += [k.split(".", 1)[0] for k in rep["draws"]]
        return [i for i in dict.fromkeys(ids) if i and self.known(i)]

    def known(self, entity_id: str) -> bool:
        """Whether the built-in catalog has this id."""
        from iadsim.errors import CatalogError

        try:
            self.catalog.get(entity_id)
        except CatalogError:
            return False
        return True


def _context(inputs: ReportInputs, catalog: Catalog | None) -> _Context:
    from iadsim.catalog import default_catalog

    return _Context(
        inputs=inputs,
        catalog=catalog or default_catalog(),
        coverage=_read_json(inputs.coverage_json) if inputs.coverage_json else None,
        detection=_read_csv(inputs.detection_csv) if inputs.detection_csv else [],
        saturation=_read_csv(inputs.saturation_csv) if inputs.saturation_csv else [],
        assumptions=_read_csv(inputs.assumptions_csv) if inputs.assumptions_csv else [],
        ballistic=_read_csv(inputs.ballistic_csv) if inputs.ballistic_csv else [],
    )


# ------------------------------------------------------------------------------------------------ sections


def _section(sid: str, title: str, body: str) -> str:
    return f"<section id='{sid}'><h2>{_e(title)}</h2>{body}</section>"


def _summary(ctx: _Context) -> str:
    facts: list[tuple[str, str]] = [("Input", f"<code>{_e(ctx.inputs.source)}</code>")]
    systems = ctx.systems()
    if systems:
        facts.append(("System", _e(", ".join(f"{ctx.name(s)} ({s})" for s in systems))))
    if ctx.scenarios():
        facts.append(("Scenario", _e(", ".join(ctx.scenarios()))))
    if ctx.terrains():
        facts.append(("Terrain", _e("; ".join(ctx.terrains()))))
    if ctx.coverage and ctx.coverage.get("sites"):
        radars = dict.fromkeys(f"{ctx.name(s['radar_id'])} ({s['radar_id']})" for s in ctx.coverage["sites"])
        facts.append(("Radars", _e(", ".join(radars))))
    parts = []
    if ctx.coverage:
        parts.append("coverage over terrain")
    if ctx.detection:
        parts.append("detection ranges")
    if ctx.ballistic:
        parts.append("ballistic-missile defence")
    if ctx.saturation or ctx.studies:
        parts.append(f"{len(ctx.studies) or 'a'} Monte Carlo stud{'ies' if len(ctx.studies) != 1 else 'y'}")
    if ctx.runs:
        parts.append(f"{len(ctx.runs)} single run(s)")
    if ctx.assumptions:
        parts.append(f"{len(ctx.assumptions)} catalog figures")
    facts.append(("Contents", _e(", ".join(parts) or "—")))
    lines = _headlines(ctx)
    body = _facts(facts)
    if lines:
        body += (
            "<h3>Headline numbers</h3><ul class='headlines'>"
            + "".join(f"<li>{x}</li>" for x in lines)
            + "</ul>"
        )
    return _section("summary", "Summary", body)


def _headlines(ctx: _Context) -> list[str]:
    lines: list[str] = []
    if ctx.coverage:
        rows = [r for r in ctx.coverage.get("rows", []) if r.get("kind") == "detection"]
        ring = rows[0].get("ring_area_km2") if rows else None
        for r in rows:
            lines.append(
                f"{_e(ctx.name(r['target']))} at {_e(r['altitude'])}: detected over "
                f"{_num(r['area_km2'], ',.0f')} km², "
                f"<strong>{_num(r['percent_of_ring'], '.1f')}%</strong> of the advertised ring "
                f"({_num(ring, ',.0f')} km²)"
            )
    if ctx.detection:
        by_alt: dict[float, list[dict[str, str]]] = defaultdict(list)
        for r in ctx.detection:
            by_alt[float(r["altitude_m"])].append(r)
        ring_m = float(ctx.detection[0].get("ring_m") or "nan")
        for alt in sorted(by_alt):
            best = max(by_alt[alt], key=lambda r: float(r["detection_m"]))
            lines.append(
                f"Smooth 4/3 earth, targets at {alt:,.0f} m: the longest detection range is "
                f"<strong>{_num(float(best['detection_m']) / 1e3, ',.0f')} km</strong> "
                f"({_e(ctx.name(best['target']))} by the {_e(ctx.name(best['radar']))}, limited by "
                f"{_e(best['limited_by'])}) against a {_num(ring_m / 1e3, ',.0f')} km ring"
            )
    if ctx.studies:
        for _, study in ctx.studies:
            summ = study["summary"]
            if not summ:
                continue
            lf = [s["leak_fraction"]["mean"] for s in summ]
            spec = study["spec"]
            lines.append(
                f"Study {_e(study['study_id'])} ({_e(spec.get('scenario'))}, {_e(spec.get('runs'))} "
                f"replications per point, {len(summ)} point(s)): mean leak fraction from "
                f"<strong>{_num(min(lf), '.2f')}</strong> "
                f"to <strong>{_num(max(lf), '.2f')}</strong>"
            )
    elif ctx.saturation:
        by_def: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in ctx.saturation:
            by_def[r["defence"]].append(r)
        for defence, rows in by_def.items():
            leaking = [r for r in rows if float(r["leak_fraction"]) > 0]
            if leaking:
                r = leaking[0]
                lines.append(
                    f"{_e(defence)}: cruise missiles first leak at a raid of "
                    f"<strong>{_e(r['raid_size'])}</strong> "
                    f"(leak fraction {_num(r['leak_fraction'], '.2f')} "
                    f"[{_num(r['leak_fraction_low'], '.2f')}, {_num(r['leak_fraction_high'], '.2f')}])"
                )
            else:
                lines.append(f"{_e(defence)}: no leaks up to a raid of {_e(rows[-1]['raid_size'])}")
    if ctx.ballistic:
        first = ctx.ballistic[0]
        areas = "; ".join(
            f"{_e(ctx.name(r['system']))} <strong>{_num(r['defended_50_km2'], ',.0f')} km²</strong>"
            for r in ctx.ballistic
        )
        lines.append(
            f"Against the {_e(ctx.name(first['threat']))} launched {_num(first['launch_km'], ',.0f')} km "
            f"away, one battery defends (in at least half of {_e(first['draws'])} draws of the disputed "
            f"figures): {areas}"
        )
    for _, run in ctx.runs:
        s = run["summary"]
        lines.append(
            f"Run {_e(run['run_id'][:12])} ({_e(run['scenario'])}, seed {_e(run['seed'])}): "
            f"{_e(s.get('leaked'))} of {_e(s.get('threats'))} threats leaked, "
            f"{_e(s.get('interceptors_launched'))} interceptors launched"
        )
    return lines


def _coverage_caption(ctx: _Context, p: Path) -> str:
    stem = p.stem
    if stem.startswith("floor-"):
        return f"Radar floor (lowest height above ground in line of sight): {stem[6:]}"
    kind, _, target = stem.partition("-")
    return (
        f"{kind.capitalize()} coverage of the {ctx.name(target)} at every altitude studied, "
        "over the terrain, with the advertised ring"
    )


def _coverage(ctx: _Context) -> str:
    body = ""
    inputs = ctx.inputs
    if ctx.coverage:
        cov = ctx.coverage
        body += _facts(
            [
                ("Scenario", _e(cov.get("name", "—"))),
                ("Terrain", _e(cov.get("terrain", "—"))),
                ("Grid cell", f"{_num(cov.get('grid_cell_m'), ',.0f')} m"),
            ]
        )
        rows = []
        for r in cov.get("rows", []):
            shares = sorted(r.get("by_country_km2", {}).items(), key=lambda kv: -kv[1])[:3]
            rows.append(
                [
                    _e(ctx.name(r["target"])),
                    _e(r["altitude"]),
                    _e(r["kind"]),
                    _num(r["area_km2"], ",.0f"),
                    _num(r["percent_of_ring"], ".1f"),
                    _e(", ".join(f"{c} {a:,.0f} km²" for c, a in shares if a > 0)) or "—",
                ]
            )
        ring = cov["rows"][0].get("ring_area_km2") if cov.get("rows") else None
        body += "<h3>Ring vs real</h3>" + _table(
            ["target", "altitude", "coverage", "km²", "% of ring", "largest country shares"],
            rows,
            f"Area covered against the advertised ring ({_num(ring, ',.0f')} km²), true ellipsoidal areas",
            numeric=(3, 4),
        )
    if inputs.coverage_pngs:
        body += "<h3>Coverage maps</h3><div class='grid'>"
        body += "".join(_png_figure(p, _coverage_caption(ctx, p)) for p in inputs.coverage_pngs)
        body += "</div>"
    if inputs.coverage_vectors:
        body += _note(
            "Polygons for GIS tools (not embedded): " + ", ".join(p.name for p in inputs.coverage_vectors)
        )
    if ctx.detection or inputs.detection_png:
        body += "<h3>Detection ranges over a smooth earth</h3>"
    if inputs.detection_png:
        body += _png_figure(
            inputs.detection_png, "Detection range of each radar against each target and altitude (4/3 earth)"
        )
    if ctx.detection:
        body += _detection_table(ctx)
    for p in inputs.blake_pngs:
        radar = p.stem.removeprefix("blake-")
        body += "<h3>Vertical coverage</h3>" + _png_figure(
            p, f"Vertical coverage (Blake chart) of the {ctx.name(radar)} over a 4/3 earth"
        )
    body += _near_the_ground(ctx)
    if not body:
        body = _note("No coverage results in this input (run `iadsim demo` or `iadsim coverage map`).")
    return _section("coverage", "Coverage", body)


def _near_the_ground(ctx: _Context) -> str:
    """The surface's effect near the ground and the targets' signatures by band and aspect."""
    inputs = ctx.inputs
    body = ""
    if inputs.surface_png or inputs.surface_csv:
        body += "<h3>Near the ground: multipath, diffraction and clutter</h3>"
    if inputs.surface_png:
        body += _png_figure(
            inputs.surface_png,
            "Detection range near the ground in free space (up to the smooth earth's horizon) and over a "
            "surface: the reflected ray cancels the direct one near grazing, diffraction reaches a little "
            "beyond the horizon, clutter competes in the same range cell",
        )
    if inputs.surface_csv:
        rows = _read_csv(inputs.surface_csv)
        surfaces = (
            [
                k.removesuffix("_m")
                for k in rows[0]
                if k.endswith("_m") and k not in ("altitude_m", "free_space_m")
            ]
            if rows
            else []
        )
        body += _table(
            [
                "radar",
                "target",
                "altitude m",
                "RCS m²",
                "free space, km",
                *(f"over {s}, km" for s in surfaces),
            ],
            [
                [
                    _e(ctx.name(r["radar"])),
                    _e(ctx.name(r["target"])),
                    _num(float(r["altitude_m"]), ",.0f"),
                    _num(float(r["rcs_m2"]), ".3g"),
                    _num(float(r["free_space_m"]) / 1e3, ",.0f"),
                    *(_num(float(r[f"{s}_m"]) / 1e3, ",.0f") for s in surfaces),
                ]
                for r in rows
            ],
            "Detection range at single-look Pd 0.5, nose-on",
            numeric=tuple(range(2, 5 + len(surfaces))),
        )
    for p in inputs.free_space_pngs:
        body += _png_figure(
            p, "The same coverage computed in free space (no surface), for comparison with the map above"
        )
    if inputs.signatures_png or inputs.signatures_csv:
        body += "<h3>Signatures by radar band and aspect</h3>"
    if inputs.signatures_png:
        body += _png_figure(
            inputs.signatures_png,
            "Detection range by aspect: each radar sees the RCS the catalog gives for its band "
            "(the F-35A's figures are disputed estimates, listed with their sources under Assumptions)",
        )
    if inputs.signatures_csv:
        rows = _read_csv(inputs.signatures_csv)
        body += _table(
            ["target", "radar", "band", "aspect", "RCS m²", "altitude m", "detection, km"],
            [
                [
                    _e(ctx.name(r["target"])),
                    _e(ctx.name(r["radar"])),
                    _e(r["band"]),
                    _e(r["aspect"]),
                    _num(float(r["rcs_m2"]), ".3g"),
                    _num(float(r["altitude_m"]), ",.0f"),
                    _num(float(r["detection_m"]) / 1e3, ",.0f"),
                ]
                for r in rows
            ],
            "Detection range at single-look Pd 0.5 by band and aspect",
            numeric=(4, 5, 6),
        )
    return body


def _detection_table(ctx: _Context) -> str:
    alts = sorted({float(r["altitude_m"]) for r in ctx.detection})
    cells: dict[tuple[str, str], dict[float, dict[str, str]]] = defaultdict(dict)
    for r in ctx.detection:
        cells[(r["radar"], r["target"])][float(r["altitude_m"])] = r
    rows = []
    for (radar, target), by_alt in cells.items():
        first = next(iter(by_alt.values()))
        row = [_e(ctx.name(radar)), _e(ctx.name(target)), _num(first.get("rcs_m2"), ".3g")]
        for a in alts:
            cell = by_alt.get(a)
            row.append(
                f"{_num(float(cell['detection_m']) / 1e3, ',.0f')} "
                f"<span class='muted'>({_e(cell['limited_by'])})</span>"
                if cell
                else "–"
            )
        rows.append(row)
    pd = ctx.detection[0].get("pd", "")
    return _table(
        ["radar", "target", "RCS m²", *(f"{a:,.0f} m, km" for a in alts)],
        rows,
        f"Detection range in km at single-look Pd {pd} "
        "(what limits it: power, horizon or instrumented range)",
        numeric=tuple(range(2, 3 + len(alts))),
    )


def _histogram(study: dict[str, Any]) -> bytes:
    """Leaked threats per replication, one panel per sweep point (matplotlib, no display)."""
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import MaxNLocator

    by_point: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in study["replications"]:
        by_point[int(r["point"])].append(r)
    points = sorted(by_point)
    ncols = min(4, len(points))
    nrows = math.ceil(len(points) / ncols)
    fig = MplFigure(figsize=(3.4 * ncols, 2.8 * nrows), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat[len(points) :]:
        ax.set_visible(False)
    for ax, point in zip(axes.flat, points, strict=False):
        reps = by_point[point]
        leaked = [int(r["leaked"]) for r in reps]
        threats = max(int(r["threats"]) for r in reps)
        hi = max(max(leaked), 1)
        ax.hist(leaked, bins=[b - 0.5 for b in range(hi + 2)], color="#1f5fa8", edgecolor="white")
        ax.set_title(f"{reps[0]['label']} ({len(reps)} runs, {threats} threats)", fontsize=9)
        ax.set_xlabel("leaked per replication", fontsize=8)
        ax.set_ylabel("replications", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _study(ctx: _Context, results: Results, study: dict[str, Any]) -> str:
    spec = study["spec"]
    sweep = spec.get("sweep")
    body = f"<h3>Study {_e(study['study_id'])}: {_e(spec.get('scenario'))}</h3>"
    body += _facts(
        [
            ("Results file", f"<code>{_e(results.path.name)}</code>"),
            ("Replications per point", _e(spec.get("runs"))),
            ("Seed", _e(spec.get("seed"))),
            ("Sweep", _e(f"{sweep['path']} = {sweep['values']}") if sweep else "none"),
            ("Disputed figures drawn", "yes" if spec.get("uncertainty") else "no (catalog values)"),
            ("Stored replications", _e(len(study["replications"]))),
        ]
    )
    rows = []
    for s in study["summary"]:
        rows.append(
            [
                _e(s["label"]),
                _e(s["replications"]),
                _e(s["threats"]),
                _interval(s["leak_fraction"]),
                _interval(s["any_leak"], "p", ".2f"),
                _interval(s["killed"], fmt=".1f"),
                _interval(s["interceptors_launched"], fmt=".1f"),
                _e(", ".join(f"{t} {_num(v['mean'], '.1f')}" for t, v in s["interceptors_by_type"].items()))
                or "—",
            ]
        )
    body += _table(
        [
            "point",
            "runs",
            "threats",
            "leak fraction [95% CI]",
            "P(any leak) [95% CI]",
            "killed [95% CI]",
            "interceptors [95% CI]",
            "by type (mean)",
        ],
        rows,
        "Per point: means with Student-t 95% intervals; P(any leak) with the Wilson 95% interval",
        numeric=(1, 2, 3, 4, 5, 6),
    )
    body += _sensitivity(study["summary"])
    body += _figures_used(study["manifest"])
    if study["replications"]:
        body += _figure(
            _histogram(study),
            f"Distribution of leaked threats per replication, study {study['study_id']}, one panel per point",
        )
    return body


def _figures_used(man: dict[str, Any]) -> str:
    """The catalog figures the study's world used: those drawn per replication (range of claims and how they
    were drawn) and those held at their catalog value."""
    drawn, fixed = man.get("figures_drawn") or [], man.get("figures_fixed") or []
    if not drawn and not fixed:
        return ""
    body = ""
    if drawn:
        body += "<h4>Disputed figures drawn per replication</h4>" + _table(
            ["figure", "low", "high", "drawn"],
            [
                [
                    f"<code>{_e(d['name'])}</code>",
                    _num(d["low"], ",.4g"),
                    _num(d["high"], ",.4g"),
                    _e(d["distribution"]),
                ]
                for d in drawn
            ],
            f"{len(drawn)} catalog figures with a range of published claims, each drawn in every replication "
            "(SI units)",
            numeric=(1, 2),
        )
    if fixed:
        names = ", ".join(f"<code>{_e(n)}</code>" for n in fixed)
        body += f"<h4>Figures held at their catalog value ({len(fixed)})</h4><p class='muted'>{names}</p>"
    return body


def _sensitivity(summary: list[dict[str, Any]]) -> str:
    """Rank correlation of each drawn figure with leaks, ordered by its mean magnitude over the points."""
    points = [s for s in summary if s.get("sensitivity")]
    if not points:
        return ""
    rho: dict[str, dict[str, tuple[float, float]]] = defaultdict(dict)
    for s in points:
        for x in s["sensitivity"]:
            rho[x["figure"]][s["label"]] = (x["spearman_rho"], x["p_value"])

    def strength(name: str) -> float:
        vals = [abs(v[0]) for v in rho[name].values() if math.isfinite(v[0])]
        return sum(vals) / len(vals) if vals else 0.0

    ranked = sorted(rho, key=lambda n: (-strength(n), n))[:_SENSITIVITY_ROWS]
    rows = []
    for i, name in enumerate(ranked, 1):
        row = [str(i), f"<code>{_e(name)}</code>", _num(strength(name), ".2f")]
        for s in points:
            v = rho[name].get(s["label"])
            row.append(f"{v[0]:+.2f} <span class='muted'>(p {_num(v[1], '.2g')})</span>" if v else "–")
        rows.append(row)
    return "<h4>Sensitivity ranking</h4>" + _table(
        ["rank", "drawn figure", "mean |ρ|", *(s["label"] for s in points)],
        rows,
        "Spearman rank correlation of each disputed figure with the leak count "
        f"(top {len(ranked)} of {len(rho)})",
        numeric=tuple(range(2, 3 + len(points))),
    )


def _ballistic(ctx: _Context) -> str:
    inputs = ctx.inputs
    body = ""
    if inputs.ballistic_png:
        body += _png_figure(
            inputs.ballistic_png,
            "Defended footprints: where a ballistic missile aimed at the point can be intercepted, share of "
            "the draws of the disputed figures",
        )
    if ctx.ballistic:
        first = ctx.ballistic[0]
        body += _table(
            [
                "battery",
                "missiles",
                "radar range vs the RV, km",
                "catalog figures, km²",
                "≥ 50% of draws, km²",
                "≥ 90% of draws, km²",
            ],
            [
                [
                    _e(ctx.name(r["system"])),
                    _e(r["missiles"]),
                    _num(r["radar_range_km"], ".0f"),
                    _num(r["defended_km2"], ",.0f"),
                    _num(r["defended_50_km2"], ",.0f"),
                    _num(r["defended_90_km2"], ",.0f"),
                ]
                for r in ctx.ballistic
            ],
            f"Area defended against the {ctx.name(first['threat'])} launched "
            f"{_num(first['launch_km'], ',.0f')} km away ({first['draws']} draws; true ellipsoidal areas; "
            "ballistic.csv)",
            numeric=(2, 3, 4, 5),
        )
        body += _note(
            "Kinematic footprints (iadsim coverage footprint): minimum-energy trajectories without drag over "
            "flat ground, the battery's engagement radar alone, its confirmed track, reaction time, and an "
            "intercept inside the missile's ballistic envelope within its flight time; no Pk, no limit of "
            "launchers or channels."
        )
    if not body:
        body = _note("No ballistic-missile defence study in this input (run `iadsim demo`).")
    return _section("ballistic", "Ballistic defence", body)


def _monte_carlo(ctx: _Context) -> str:
    inputs = ctx.inputs
    body = ""
    if inputs.saturation_png:
        body += _png_figure(
            inputs.saturation_png, "Saturation study: leak fraction against raid size, 95% intervals"
        )
    if ctx.saturation and not ctx.studies:
        body += _table(
            [
                "defence",
                "raid size",
                "runs",
                "leak fraction [95% CI]",
                "P(any leak) [95% CI]",
                "interceptors",
            ],
            [
                [
                    _e(r["defence"]),
                    _e(r["raid_size"]),
                    _e(r["replications"]),
                    f"{_num(r['leak_fraction'], '.3f')} [{_num(r['leak_fraction_low'], '.3f')}, "
                    f"{_num(r['leak_fraction_high'], '.3f')}]",
                    f"{_num(r['any_leak'], '.2f')} [{_num(r['any_leak_low'], '.2f')}, "
                    f"{_num(r['any_leak_high'], '.2f')}]",
                    _num(r["interceptors"], ".1f"),
                ]
                for r in ctx.saturation
            ],
            "Saturation study (saturation.csv)",
            numeric=(1, 2, 3, 4, 5),
        )
    for results, study in ctx.studies:
        body += _study(ctx, results, study)
    if ctx.runs:
        rows = []
        for _results, run in ctx.runs:
            s = run["summary"]
            rows.append(
                [
                    f"<code>{_e(run['run_id'][:12])}</code>",
                    _e(run["scenario"]),
                    _e(run["seed"]),
                    *(_e(s.get(k, "–")) for k in ("threats", "detected", "engaged", "killed", "leaked")),
                    _e(s.get("interceptors_launched", "–")),
                ]
            )
        body += "<h3>Single runs</h3>" + _table(
            ["run", "scenario", "seed", "threats", "detected", "engaged", "killed", "leaked", "interceptors"],
            rows,
            "Runs stored with `iadsim run --out`",
            numeric=tuple(range(2, 9)),
        )
    if not body:
        body = _note("No Monte Carlo results in this input (run `iadsim mc` or `iadsim demo --mc-runs N`).")
    return _section("monte-carlo", "Monte Carlo", body)


@dataclass(frozen=True)
class _Assumption:
    entity: str
    figure: str
    value: float
    confidence: str
    range: tuple[float, float] | None
    flagged: bool
    sources: tuple[tuple[str, str | None], ...]
    note: str


def _parse_sources(text: str) -> tuple[tuple[str, str | None], ...]:
    """``title url | title url`` (as assumptions.csv writes them) -> (title, url) pairs."""
    out: list[tuple[str, str | None]] = []
    for part in (p.strip() for p in text.split(" | ")):
        if not part:
            continue
        head, _, last = part.rpartition(" ")
        if head and re.match(r"^https?://", last):
            out.append((head, last))
        else:
            out.append((part, None))
    return tuple(out)


def _from_figure(entity: str, name: str, fig: Figure) -> _Assumption:
    return _Assumption(
        entity,
        name,
        fig.value,
        fig.confidence,
        fig.range,
        fig.flagged,
        tuple((s.title, s.url) for s in fig.sources),
        fig.note or "",
    )


def _assumption_rows(ctx: _Context) -> tuple[list[_Assumption], str]:
    """The figures used and where the list came from."""
    from iadsim.catalog import figures

    if ctx.assumptions:
        out = []
        for r in ctx.assumptions:
            entity, name = r.get("id", ""), r.get("figure", "")
            try:
                value = float(r.get("value_si", "nan"))
            except ValueError:
                value = math.nan
            low, high = r.get("range_low", ""), r.get("range_high", "")
            rng = (float(low), float(high)) if low and high else None
            sources = _parse_sources(r.get("sources", ""))
            # the catalog keeps titles and links apart: use them when the file cites the same sources
            try:
                fig = dict(figures(ctx.catalog.get(entity))).get(name)
            except Exception:
                fig = None
            if fig is not None:
                text = " | ".join(f"{s.title} {s.url or ''}".strip() for s in fig.sources)
                if text == r.get("sources", ""):
                    sources = tuple((s.title, s.url) for s in fig.sources)
            out.append(
                _Assumption(
                    entity,
                    name,
                    value,
                    r.get("confidence", ""),
                    rng,
                    r.get("flagged", "").strip().lower() == "true",
                    sources,
                    r.get("note", ""),
                )
            )
        return (
            out,
            f"from {ctx.inputs.assumptions_csv.name if ctx.inputs.assumptions_csv else 'assumptions.csv'}",
        )
    out = []
    for entity in ctx.entity_ids():
        for name, fig in figures(ctx.catalog.get(entity)):
            out.append(_from_figure(entity, name, fig))
    return out, "from the built-in catalog entities named by the scenario and results"


def _assumptions(ctx: _Context) -> str:
    rows, origin = _assumption_rows(ctx)
    if not rows:
        return _section(
            "assumptions", "Assumptions", _note("No catalog figures could be identified in this input.")
        )
    digests = {s["manifest"].get("catalog_digest") for _, s in ctx.studies} | {
        r["manifest"].get("catalog_digest") for _, r in ctx.runs
    }
    digests.discard(None)
    flagged = sum(1 for a in rows if a.flagged)
    body = _note(
        f"{len(rows)} catalog figures, {origin}; {flagged} of them are flagged defaults without a published "
        "source. Values in SI as the model uses them (shown in km or GHz where that reads better); the range "
        "is the spread of published claims."
    )
    if digests and ctx.catalog.digest not in digests and not ctx.assumptions:
        body += _note(
            "Note: the results were computed with another catalog than this one (digest "
            + ", ".join(sorted(str(d)[:12] for d in digests))
            + "); the figures below are those of the catalog the report was built with."
        )
    by_entity: dict[str, list[_Assumption]] = defaultdict(list)
    for a in rows:
        by_entity[a.entity].append(a)
    for entity, items in by_entity.items():
        table_rows = []
        for a in items:
            unit = _unit_of(a.figure)
            rng = f"{_quantity(a.range[0], unit)} – {_quantity(a.range[1], unit)}" if a.range else "—"
            if a.flagged:
                src = "<span class='flag'>flagged default</span>"
            else:
                src = "<br>".join(
                    f"<a href='{_e(url)}' rel='noopener noreferrer'>{_e(title)}</a>" if url else _e(title)
                    for title, url in a.sources
                )
            if a.note:
                src += f"<br><span class='muted'>{_e(a.note)}</span>"
            conf = _e(a.confidence)
            table_rows.append(
                [
                    f"<code>{_e(a.figure)}</code>",
                    _e(_quantity(a.value, unit)),
                    f"<span class='conf-{conf}'>{conf}</span>",
                    _e(rng),
                    src,
                ]
            )
        body += f"<h3>{_e(ctx.name(entity))} <span class='muted'>({_e(entity)})</span></h3>"
        body += _table(
            ["figure", "value", "confidence", "range of claims", "sources / note"], table_rows, numeric=(1,)
        )
    return _section("assumptions", "Assumptions", body)


def _manifest_table(man: dict[str, Any], extra: Sequence[tuple[str, str]] = ()) -> str:
    lists = ("figures_drawn", "figures_fixed")  # (listed in the study's section)
    rows = [[_e(k), f"<code>{_e(v)}</code>"] for k, v in man.items() if k not in lists]
    rows += [[_e(k), v] for k, v in extra]
    return _table(["field", "value"], rows)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _manifest(ctx: _Context) -> str:
    from iadsim import __version__

    body = ""
    for results, study in ctx.studies:
        spec = study["spec"]
        body += f"<h3>Study {_e(study['study_id'])} <span class='muted'>({_e(results.path.name)})</span></h3>"
        body += _manifest_table(
            study["manifest"],
            [
                ("created", _e(study["created"])),
                ("replications per point", _e(spec.get("runs"))),
                (
                    "replication seeds",
                    f"<code>SeedSequence({_e(spec.get('seed'))}, spawn_key=(point, replication))</code>",
                ),
            ],
        )
    for results, run in ctx.runs:
        body += f"<h3>Run {_e(run['run_id'])} <span class='muted'>({_e(results.path.name)})</span></h3>"
        body += _manifest_table(run["manifest"], [("created", _e(run["created"]))])
    if ctx.coverage:
        cov = ctx.coverage
        body += "<h3>Coverage study</h3>"
        body += _manifest_table(
            {"scenario": cov.get("name"), "dem": cov.get("terrain"), "grid_cell_m": cov.get("grid_cell_m")}
        )
        sites = cov.get("sites", [])
        if sites:
            body += _table(
                ["unit", "battalion", "radar", "lat", "lon", "mast m", "missiles"],
                [
                    [
                        _e(s.get("unit")),
                        _e(s.get("battalion") or "—"),
                        _e(s.get("radar_id")),
                        _num(s.get("lat"), ".4f"),
                        _num(s.get("lon"), ".4f"),
                        _e(s.get("mast_m") if s.get("mast_m") is not None else "catalog"),
                        _e(", ".join(s.get("missiles", [])) or "—"),
                    ]
                    for s in sites
                ],
                "Radar sites",
                numeric=(3, 4),
            )
    files = ctx.inputs.files()
    base = ctx.inputs.folder or ctx.inputs.source.parent
    body += "<h3>Input files</h3>" + _table(
        ["file", "bytes", "SHA-256"],
        [
            [
                f"<code>{_e(p.relative_to(base) if p.is_relative_to(base) else p)}</code>",
                f"{p.stat().st_size:,}",
                f"<code>{_sha256(p)[:16]}</code>",
            ]
            for p in files
        ],
        numeric=(1,),
    )
    body += _note(
        f"Report written by iadsim {__version__} on "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}; "
        f"built-in catalog digest {ctx.catalog.digest[:16]}."
    )
    return _section("manifest", "Manifest", body)


# ------------------------------------------------------------------------------------------------- public


def render_report(inputs: ReportInputs, title: str | None = None, catalog: Catalog | None = None) -> str:
    """The HTML report of what an output folder or results file holds (``inputs``, found and read by
    :func:`iadsim.workflows.report.find_inputs`), as one self-contained string.

    ``catalog`` (default: the built-in one) names the entities and, without an ``assumptions.csv``,
    supplies the figures listed.
    """
    ctx = _context(inputs, catalog)
    scen = ctx.scenarios()
    heading = title or ("iadsim report: " + (", ".join(scen) if scen else inputs.source.name))
    nav = "".join(
        f"<a href='#{sid}'>{_e(name)}</a>"
        for sid, name in zip(
            SECTION_IDS,
            ("Summary", "Coverage", "Monte Carlo", "Ballistic defence", "Assumptions", "Manifest"),
            strict=True,
        )
    )
    sections = [
        _summary(ctx),
        _coverage(ctx),
        _monte_carlo(ctx),
        _ballistic(ctx),
        _assumptions(ctx),
        _manifest(ctx),
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(heading)}</title><style>{STYLE}</style></head><body>"
        f"<header class='top'><h1>{_e(heading)}</h1>"
        "<p>iadsim: open simulation of ground-based air defence from published figures only. "
        "Every number below carries its assumptions; see the Assumptions section.</p></header>"
        f"<nav>{nav}</nav><main>{''.join(sections)}</main></body></html>\n"
    )
