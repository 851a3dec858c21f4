"""The catalog's ballistic missile classes against the project's trajectory physics.

A ballistic class (``Target.ballistic``) gives five figures (:data:`iadsim.catalog.models.BALLISTIC_FIGURES`):
its maximum range ``R`` and burn time ``t_b``, from which the trajectory is computed, and its burnout speed,
apogee and re-entry speed, the published claims that trajectory is checked against here.

The trajectory is :func:`iadsim.physics.ballistic.ballistic_trajectory` of ``R`` and ``t_b``: the
minimum-energy one, a straight constant-acceleration boost of ``t_b`` followed by Keplerian free flight over a
spherical earth (radius ``R_E``, gravitational parameter ``mu``), without drag. Three of its numbers must each
lie within the range of claims (``range``, else the value alone) of the class's corresponding figure:

- burnout speed ``v_b``: the least speed at the end of the boost that reaches ``R``, over all launch
  elevations. For ``t_b = 0`` it has the closed form of the minimum-energy trajectory,
  ``Q* = v_b**2 r / mu = 2 sin(Psi / 2) / (1 + sin(Psi / 2))`` with ``Psi = R / R_E``, flown at the
  flight-path angle ``gamma* = (pi - Psi) / 4``; with a burn the elevation is found numerically.
- apogee ``h_a = a (1 + e) - R_E`` of the free-flight conic (semi-major axis ``a``, eccentricity ``e``),
  against the ``apogee_m`` figure. Published apogees of depressed flights (an Iskander-like KN-23) are not
  minimum-energy ones: the catalog's range is widened for them, and says so in its note.
- impact speed, by vis-viva at the ground, ``v**2 = mu (2 / R_E - 1 / a)``: the drag-free speed at the
  bottom of the descent, against the ``reentry_speed_mps`` figure. Without drag it is the highest speed of
  the descent; published terminal speeds lie lower, and the catalog's ranges say where they hold the
  drag-free value.
"""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from iadsim.catalog import Figure, Target, default_catalog
from iadsim.catalog.models import BALLISTIC_FIGURES
from iadsim.physics.ballistic import ballistic_trajectory

#: The ballistic classes the catalog must hold (the Iskander-class ``srbm`` stays without ballistic figures).
CLASSES = ("srbm-300", "srbm-500", "mrbm-1000")


def _ballistic_targets() -> list[Target]:
    return [t for t in default_catalog().targets.values() if t.ballistic]


def _claims(fig: Figure) -> tuple[float, float]:
    return fig.range if fig.range is not None else (fig.value, fig.value)


def test_the_ballistic_classes_are_in_the_catalog() -> None:
    cat = default_catalog()
    assert set(CLASSES) <= {t.id for t in _ballistic_targets()}
    for tid in CLASSES:
        target = cat.target(tid)
        assert target.target_class == "ballistic-missile"
        assert target.max_range_m is not None
        # kilometres converted at the door
        assert (
            target.max_range_m.value >= 100e3 and target.apogee_m is not None and target.apogee_m.value > 1e3
        )
    assert not cat.target("srbm").ballistic


@pytest.mark.parametrize("tid", CLASSES)
def test_minimum_energy_trajectory_lies_within_the_claims(tid: str) -> None:
    target = default_catalog().target(tid)
    figs = {name: getattr(target, name) for name in BALLISTIC_FIGURES}
    assert all(isinstance(fig, Figure) for fig in figs.values())
    trajectory = ballistic_trajectory(figs["max_range_m"].value, figs["burn_time_s"].value)
    computed = {
        "burnout_speed_mps": trajectory.burnout_speed_mps,
        "apogee_m": trajectory.apogee_height_m,
        "reentry_speed_mps": trajectory.impact_speed_mps,
    }
    for name, value in computed.items():
        low, high = _claims(figs[name])
        assert low <= value <= high, (
            f"{tid}.{name}: the trajectory gives {value:g}, claims [{low:g}, {high:g}]"
        )
    # what is compared, in the docstring's closed forms: apogee and impact speed of the free-flight conic
    conic, big_r, mu = trajectory.free_flight, trajectory.radius_m, trajectory.mu_m3ps2
    a, e = conic.semi_major_axis_m, conic.eccentricity
    assert trajectory.apogee_height_m == pytest.approx(a * (1.0 + e) - big_r, rel=1e-9)
    assert trajectory.impact_speed_mps == pytest.approx(math.sqrt(mu * (2.0 / big_r - 1.0 / a)), rel=1e-9)
    # and without a burn, the burnout speed of the minimum-energy trajectory, Q* = 2 s / (1 + s)
    s = math.sin(figs["max_range_m"].value / big_r / 2.0)
    instant = ballistic_trajectory(figs["max_range_m"].value, 0.0)
    assert instant.burnout_speed_mps == pytest.approx(math.sqrt(2.0 * s / (1.0 + s) * mu / big_r), rel=1e-6)


@pytest.mark.parametrize("tid", CLASSES)
def test_every_class_holds_over_its_range_of_burn_times(tid: str) -> None:
    # the burn time is the least certain input: the checks must not hang on its one value
    target = default_catalog().target(tid)
    assert target.max_range_m is not None and target.burn_time_s is not None
    assert target.burnout_speed_mps is not None and target.apogee_m is not None
    assert target.reentry_speed_mps is not None
    for burn in _claims(target.burn_time_s):
        trajectory = ballistic_trajectory(target.max_range_m.value, burn)
        for fig, value in (
            (target.burnout_speed_mps, trajectory.burnout_speed_mps),
            (target.apogee_m, trajectory.apogee_height_m),
            (target.reentry_speed_mps, trajectory.impact_speed_mps),
        ):
            low, high = _claims(fig)
            assert low <= value <= high, f"{tid} at {burn:g} s: {value:g} outside [{low:g}, {high:g}]"


def test_ballistic_figures_are_sourced_or_flagged_and_give_their_spread() -> None:
    targets = _ballistic_targets()
    assert targets
    for target in targets:
        for name in BALLISTIC_FIGURES:
            fig = getattr(target, name)
            assert fig is not None, f"{target.id}.{name}"
            assert fig.sources or (fig.confidence == "low" and fig.note), f"{target.id}.{name}"
            assert fig.note, f"{target.id}.{name}: say what the claims are, or why the value"
            assert fig.range is not None, f"{target.id}.{name}: give the spread of claims"
            for source in fig.sources:
                assert source.title and source.note, f"{target.id}.{name}: {source.id} quotes its claim"


@pytest.mark.parametrize("missing", BALLISTIC_FIGURES)
def test_a_class_missing_one_ballistic_figure_is_refused(missing: str) -> None:
    data = default_catalog().target("srbm-300").model_dump()
    del data[missing]
    with pytest.raises(ValidationError, match=f"missing: {missing}") as info:
        Target.model_validate(data)
    # the message lists all five, so the reader sees what belongs together
    assert all(name in str(info.value) for name in BALLISTIC_FIGURES)


def test_ballistic_figures_belong_to_a_ballistic_missile_class() -> None:
    data = default_catalog().target("srbm-300").model_dump()
    data["target_class"] = "cruise-missile"
    with pytest.raises(ValidationError, match="ballistic-missile class only"):
        Target.model_validate(data)
    # and a class without any of them is a plain target
    for name in BALLISTIC_FIGURES:
        del data[name]
    assert not Target.model_validate(data).ballistic
