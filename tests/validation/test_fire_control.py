"""When the battalion fires and what it fires: reaction time, the envelope per target class, the time of
flight along the missile's profile, fire channels, magazines and reloads, all computed by hand.

Common to every case: the val-search radar detects each target at every 1 s scan from the first (t = 1 s,
or the target's start); 2-of-3 confirmation at the second detection; the command post takes 2 s and the
battalion reacts in 10 s, so a target is first fired at 13 s after its first detection. Missiles launch from
the ground at the site (height 0) and fly straight to the predicted intercept point; geometry in the
world's plane, heights above sea level.

The intercept time the battalion plans comes from its track, not from the truth: a steady track of these
radars has a velocity error of about 4 m/s per axis (the Kalman filter's steady state under the engine's
process noise, :func:`aim_margin_m`), which moves a planned intercept T seconds ahead by about
4 m/s x T / (V + v): 0.1 s at T = 36 s. Planned times are compared to 0.4 s (three of those).
"""

from __future__ import annotations

import math

import pytest
from scipy.optimize import brentq

from iadsim.sim.engine import BALLISTIC_TRACK_ENERGY_JPKG, BALLISTIC_TRACKER_Q_M2PS3, run
from iadsim.sim.world import build_world
from tests.validation._cases import (
    GEOD,
    SITE,
    events,
    first_launch_s,
    head_on_time_s,
    launch_jitter_s,
    radial,
    scenario,
)

_head_on_time = head_on_time_s


def test_first_launch_when_the_reaction_time_binds(vcat) -> None:  # type: ignore[no-untyped-def]
    # A target at 10 km flies in from 50 km at 300 m/s: inside the 60 km envelope from the start. First
    # detection at t = 1 s, confirmed at 2 s, fired at 2 + 2 + 10 = 14 s, from 50 - 0.3 x 14 = 45.8 km; the
    # constant 1,000 m/s missile meets it after T = 36.3 s (the head-on quadratic), at t = 50.3 s: resolved
    # at the next step, 51 s, a kill (Pk 1).
    sc = scenario([radial("in", 0.0, 50.0, 0.0, {"amsl": 10000}, 300.0)], duration_s=200)
    world = build_world(sc, vcat, cell_m=1000.0)
    t_flight = _head_on_time(50e3 - 300.0 * 14, 10e3, 300.0, 1000.0)
    assert t_flight == pytest.approx(36.3, abs=0.05)
    for seed in range(3):
        result = run(world, seed)
        assert events(result, "detection")[0].t_s == 1.0 and events(result, "track_start")[0].t_s == 2.0
        launch = events(result, "launch")
        assert [e.t_s for e in launch] == [14.0]
        planned = float(events(result, "assignment")[0].detail.split()[-2])
        assert planned == pytest.approx(14.0 + t_flight, abs=0.4)
        assert [e.t_s for e in events(result, "kill")] == [math.ceil(planned)]


def test_first_launch_when_the_envelope_binds(vcat) -> None:  # type: ignore[no-untyped-def]
    # From 300 km the target is in view at once but far outside the envelope. The missile reaches 60 km
    # (straight line) in its maximum flight time of 60 s: with a perfect track the launch would come when the
    # intercept point is 60 km away, at ground range sqrt(60^2 - 10^2) = 59.16 km; the target covers
    # 0.3 x 60 = 18 km meanwhile, so at 77.16 km, t = (300 - 77.16) / 0.3 = 742.8 s. Fire control keeps twice
    # the aim point's uncertainty in reserve (for a steady track 60 s ahead: 2 sqrt(trace) = 0.8 km), which
    # moves the launch a few seconds later: first_launch_s steps through t until reach and envelope hold it.
    # The track's own velocity error moves it by up to launch_jitter_s (2.2 s here), plus one step.
    ground = math.sqrt(60e3**2 - 10e3**2)
    t_perfect = (300e3 - (ground + 300.0 * 60.0)) / 300.0
    assert t_perfect == pytest.approx(742.8, abs=0.05)
    t_hand = first_launch_s(14.0, 300e3, 300.0, 10e3, 1000.0, 60.0, 60e3)
    assert t_perfect < t_hand < t_perfect + 8
    sc = scenario([radial("in", 0.0, 300.0, 0.0, {"amsl": 10000}, 300.0)], duration_s=900)
    world = build_world(sc, vcat, cell_m=2000.0)
    for seed in range(4):
        launch = events(run(world, seed), "launch")[0].t_s
        assert abs(launch - t_hand) <= launch_jitter_s(60.0, 300.0) + 1, (seed, launch, t_hand)


def test_the_envelope_against_each_target_class(vcat) -> None:  # type: ignore[no-untyped-def]
    # val-split reaches 100 km against aircraft but engages ballistic missiles within 40 km only (a constant
    # 1,000 m/s, maximum flight time 100 s). A ballistic missile at 30 km altitude flies in at 2 km/s from
    # 400 km: the intercept point comes within 40 km (slant sqrt(40^2 + 30^2) = 50 km, flight time 50 s)
    # when the target is 40 + 2 x 50 = 140 km away, at t = (400 - 140) / 2 = 130 s. A fighter at 10 km from
    # 300 km at 300 m/s is fired at when the intercept point reaches the 100 km reach of the missile: ground
    # sqrt(100^2 - 10^2) = 99.50 km, t = (300 - 99.50 - 30) / 0.3 = 568.3 s. Both a few seconds later with
    # fire control's reserve for the aim point's uncertainty (first_launch_s), give or take the track's
    # error (launch_jitter_s) and a step. The ballistic missile's track, with a specific energy of
    # 2000^2 / 2 + 9.81 x 30,000 = 2.29 MJ/kg (over BALLISTIC_TRACK_ENERGY_JPKG), is predicted with the
    # ballistic acceleration noise BALLISTIC_TRACKER_Q_M2PS3 (its reserve and its error are the larger).
    bm = radial("bm", 0.0, 400.0, 0.0, {"amsl": 30000}, 2000.0, target="val-ballistic")
    fighter = radial("f", 180.0, 300.0, 0.0, {"amsl": 10000}, 300.0)
    sc = scenario([bm, fighter], missiles={"val-split": 4}, duration_s=700)
    world = build_world(sc, vcat, cell_m=2000.0)
    t_bm = (400e3 - (40e3 + 2000.0 * 50.0)) / 2000.0
    t_f = (300e3 - (math.sqrt(100e3**2 - 10e3**2) + 300.0 * 100.0)) / 300.0
    assert (t_bm, round(t_f, 1)) == (130.0, 568.3)
    assert 0.5 * 2000.0**2 + 9.80665 * 30e3 > BALLISTIC_TRACK_ENERGY_JPKG
    hand_bm = first_launch_s(14.0, 400e3, 2000.0, 30e3, 1000.0, 100.0, 40e3, q=BALLISTIC_TRACKER_Q_M2PS3)
    hand_f = first_launch_s(14.0, 300e3, 300.0, 10e3, 1000.0, 100.0, 100e3)
    assert t_bm < hand_bm < t_bm + 8 and t_f < hand_f < t_f + 12
    for seed in range(3):
        launches = {e.threat: e.t_s for e in events(run(world, seed), "launch")}
        jitter = launch_jitter_s(50.0, 2000.0, q=BALLISTIC_TRACKER_Q_M2PS3)
        assert abs(launches[0] - hand_bm) <= jitter + 1, (launches, hand_bm)
        assert abs(launches[1] - hand_f) <= launch_jitter_s(100.0, 300.0) + 1, (launches, hand_f)
    # a missile without a ballistic-missile envelope (val-boost) never fires at one
    sc = scenario([bm], missiles={"val-boost": 4}, duration_s=200)
    result = run(build_world(sc, vcat, cell_m=2000.0), 0)
    assert events(result, "track_start") and not events(result, "launch")


def test_time_of_flight_along_the_boost_coast_profile(vcat) -> None:  # type: ignore[no-untyped-def]
    # val-boost: 1,500 m/s after a 5 s boost (x_b = 1500 x 5 / 2 = 3.75 km), then quadratic drag,
    # x(t) = x_b + V tau ln(1 + (t - 5) / tau), with tau fixed by 60 km in 60 s (average 1,000 m/s):
    # 3,750 + 1,500 tau ln(1 + 55 / tau) = 60,000. Launched at 14 s at a target 45.8 km out at 10 km,
    # closing at 300 m/s, it meets it when x(T) = sqrt((45.8 km - 300 T)^2 + (10 km)^2). A missile flying
    # its 1,000 m/s average all the way would need 36.3 s; this one, faster early, less.
    tau = brentq(lambda tau: 3750.0 + 1500.0 * tau * math.log1p(55.0 / tau) - 60e3, 1.0, 1e6)

    def flown(t: float) -> float:
        return 1500.0 * t * t / 10.0 if t <= 5.0 else 3750.0 + 1500.0 * tau * math.log1p((t - 5.0) / tau)

    d = 50e3 - 300.0 * 14
    t_flight = brentq(lambda t: flown(t) - math.hypot(d - 300.0 * t, 10e3), 1.0, 60.0)
    assert t_flight < _head_on_time(d, 10e3, 300.0, 1000.0) - 3.0
    sc = scenario(
        [radial("in", 0.0, 50.0, 0.0, {"amsl": 10000}, 300.0)], missiles={"val-boost": 2}, duration_s=200
    )
    world = build_world(sc, vcat, cell_m=1000.0)
    for seed in range(3):
        result = run(world, seed)
        assert [e.t_s for e in events(result, "launch")] == [14.0]
        planned = float(events(result, "assignment")[0].detail.split()[-2])
        assert planned == pytest.approx(14.0 + t_flight, abs=0.4)
        assert [e.t_s for e in events(result, "kill")] == [math.ceil(planned)]


def test_fire_channels_limit_the_engagements_in_flight(vcat) -> None:  # type: ignore[no-untyped-def]
    # Two fire channels; four targets from four bearings at 50 km, 10 km up, 300 m/s. All are fireable at
    # 14 s; one launch per second: 14 s and 15 s, then both channels are busy until their intercepts,
    # 14 + T(45.8 km) = 50.3 s and 15 + T(45.5 km) = 51.1 s (as the tracks plan them: to 0.4 s), resolved
    # at the first steps after, which free the channels for the third and fourth launches at those very
    # steps (resolution comes before fire control), one launch interval (1 s) apart at least.
    raids = [radial(f"r{b}", b, 50.0, 0.0, {"amsl": 10000}, 300.0) for b in (0.0, 90.0, 180.0, 270.0)]
    sc = scenario(raids, duration_s=200)
    world = build_world(sc, vcat, cell_m=1000.0)
    t1 = 14.0 + _head_on_time(50e3 - 300 * 14, 10e3, 300.0, 1000.0)
    t2 = 15.0 + _head_on_time(50e3 - 300 * 15, 10e3, 300.0, 1000.0)
    for seed in range(3):
        result = run(world, seed)
        planned = [float(e.detail.split()[-2]) for e in events(result, "assignment")]
        assert planned[:2] == [pytest.approx(t1, abs=0.4), pytest.approx(t2, abs=0.4)]
        launches = [e.t_s for e in events(result, "launch")]
        third = math.ceil(planned[0])
        assert launches == [14.0, 15.0, third, max(math.ceil(planned[1]), third + 1.0)]
        assert result.killed == 4
        in_flight = 0
        for e in result.events:
            in_flight += e.kind == "launch"
            in_flight -= e.kind == "intercept"
            assert in_flight <= 2


def test_magazine_exhaustion_and_reload(vcat) -> None:  # type: ignore[no-untyped-def]
    # One launcher with 3 rounds and 2 in reserve (reload 600 s); eight targets start 70 km out at 10 km,
    # 150 s apart, at 300 m/s (each flies 233.3 s). Each is fired 13 s after its first detection (at its
    # start, or t = 1 s for the first), 66.1 km out, well inside the envelope, and killed (Pk 1): launches at
    # 14, 163 and 313 s empty the launcher, which reloads the reserve's 2 rounds by 913 s. Targets 3 and 4
    # (start 450 and 600 s) arrive before that and leak; at 913 s targets 5 (start 750 s, 21 km out) and 6
    # (start 900 s) are both fireable: 5 first (it reaches the defended point sooner), 6 one launch
    # interval later, at 914 s. Target 7 finds no rounds and leaks.
    raid = radial("wave", 0.0, 70.0, 0.0, {"amsl": 10000}, 300.0, count=8, interval_s=150.0)
    sc = scenario([raid], missiles={"val-constant": 3}, reserve={"val-constant": 2}, duration_s=1400)
    world = build_world(sc, vcat, cell_m=1000.0)
    for seed in range(2):
        result = run(world, seed)
        launches = events(result, "launch")
        assert [e.t_s for e in launches] == [14.0, 163.0, 313.0, 913.0, 914.0]
        assert [e.threat for e in launches] == [0, 1, 2, 5, 6]
        assert (result.interceptors_launched, result.killed, result.leaked) == (5, 5, 3)
        assert sorted(e.threat for e in events(result, "leak")) == [3, 4, 7]


def _crossing(y_km: float) -> dict[str, object]:
    """A target at 10 km crossing west to east at 300 m/s, y_km north of the site, from x = -30 to +30 km
    (end points placed by azimuth and distance from the site, which the world's plane keeps)."""

    def at(x_km: float) -> list[float]:
        lon, lat, _ = GEOD.fwd(
            SITE[1], SITE[0], math.degrees(math.atan2(x_km, y_km)), math.hypot(x_km, y_km) * 1e3
        )
        return [lat, lon]

    alt = {"amsl": 10000}
    return {
        "name": f"cross-{y_km:g}",
        "target": "val-fighter",
        "count": 1,
        "speed_mps": 300,
        "route": [{"position": at(-30.0), "altitude": alt}, {"position": at(30.0), "altitude": alt}],
    }


@pytest.mark.parametrize(("y_km", "fired"), [(1.5, False), (3.0, True), (10.0, True)])
def test_fire_only_where_the_engagement_radar_will_hold_the_target(vcat, y_km: float, fired: bool) -> None:  # type: ignore[no-untyped-def]
    # The val-sector radar covers 90 degrees facing north: points with |x| <= y. A target crossing y km north
    # enters the sector at x = -y, at t_in = (30 - y) / 0.3 s, leaves it at t_out = (30 + y) / 0.3 s, and is
    # fireable 13 s after t_in, at x_f = -y + 3.9 km. The missile (1,000 m/s) meets it when
    # |p + v T| = V T: (x_f + 0.3 T)^2 + y^2 + 10^2 = T^2 (km, s). The radar holds a target for 12 s after it
    # last saw it (options.hold_s), so fire control fires only if the radar will still hold it at the
    # intercept: if it saw it after t_f + T - 12 already, or will see it then (x = x_f + 0.3 max(T - 12, 0))
    # or at the aim point (x_f + 0.3 T). At y = 1.5 km the target has left the sector before it becomes
    # fireable (x_f = 2.4 km, t_out = 105 s < t_f + T - 12 = 106.7 s): never fired at. At y = 3 km it is fired
    # at (x_f = 0.9 km, T = 11.3 s) and killed 4 s after it left the sector; at y = 10 km it is fired at
    # x_f = -6.1 km and killed in the sector.
    t_in, t_out = (30.0 - y_km) / 0.3, (30.0 + y_km) / 0.3
    x = -y_km + 0.3 * 13.0
    a, b, c = 1 - 0.09, -2 * x * 0.3, -(x * x + y_km * y_km + 100.0)
    t_flight = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    held = t_in + 13.0 + t_flight - 12.0 <= t_out
    seen_later = abs(x + 0.3 * max(t_flight - 12.0, 0.0)) <= y_km or abs(x + 0.3 * t_flight) <= y_km
    assert (held or seen_later) == fired
    sc = scenario([_crossing(y_km)], system="val-sam-sector", facing_deg=0.0, duration_s=250)
    world = build_world(sc, vcat, cell_m=500.0)
    for seed in range(3):
        result = run(world, seed)
        assert events(result, "detection")[0].t_s == pytest.approx(t_in, abs=1.0)
        launches = events(result, "launch")
        if fired:
            assert len(launches) == 1 and launches[0].t_s == pytest.approx(t_in + 13.0, abs=1.0)
            assert result.killed == 1
        else:
            assert not launches and not events(result, "intercept")
