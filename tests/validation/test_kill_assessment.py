"""What an interceptor does when it arrives: it kills with its Pk only where the target really is within its
reach of the aim point and inside its envelope; the fire unit does not fire again at a target it already has
missiles in the air against, whichever track it now sees it by."""

from __future__ import annotations

import math
import re

import pytest

from iadsim.sim.engine import _Run, run
from iadsim.sim.world import build_world
from tests.validation._cases import aim_margin_m, events, point, radial, scenario


def _turning_raid(turn_km: float) -> dict[str, object]:
    """A target at 10 km flying in from 100 km at 300 m/s, turning back at ``turn_km`` to 150 km."""
    alt = {"amsl": 10000}
    return {
        "name": "turn",
        "target": "val-fighter",
        "count": 1,
        "speed_mps": 300,
        "route": [
            {"position": point(0.0, 100.0), "altitude": alt},
            {"position": point(0.0, turn_km), "altitude": alt},
            {"position": point(0.0, 150.0), "altitude": alt},
        ],
    }


def test_a_target_that_turns_away_after_launch_is_not_killed(vcat) -> None:  # type: ignore[no-untyped-def]
    # The battalion fires (Pk 1) when the intercept point enters the missile's reach, about 80 s in, 76 km
    # out, aiming about 60 s ahead on the inbound line. At t_B = 100 s the target turns back at 70 km. At the
    # planned intercept t_I it is at 70 + 0.3 (t_I - 100) km, the aim point at d(t_L) - 0.3 (t_I - t_L) km
    # (t_L the launch): some 24 km apart, while a constant 1,000 m/s missile with 60 s of flight can go on
    # for only 60 - (t_I - t_L) km. A miss, logged with its reason and those two distances (the aim point
    # is the track's: within 3 standard deviations, 1.5 x fire control's 2-sigma reserve, of the hand value).
    sc = scenario([_turning_raid(70.0)], duration_s=500)
    world = build_world(sc, vcat, cell_m=1000.0)
    for seed in range(3):
        result = run(world, seed)
        (launch,) = events(result, "launch")
        t_l = launch.t_s
        t_i = float(events(result, "assignment")[0].detail.split()[-2])
        assert t_l < 100.0 < t_i
        aim_km = (100e3 - 300.0 * t_l) / 1e3 - 0.3 * (t_i - t_l)
        true_km = 70.0 + 0.3 * (t_i - 100.0)
        reach_km = 60.0 - (t_i - t_l)
        (intercept,) = events(result, "intercept")
        assert intercept.t_s == math.ceil(t_i) and intercept.detail.startswith("beyond reach")
        miss, reach = (float(x) for x in re.findall(r"([\d.]+) km", intercept.detail))
        tolerance = 1.5 * aim_margin_m(t_i - t_l, (7.7, 5.0, 7.7)) / 1e3  # (steady 77 km track)
        assert miss == pytest.approx(true_km - aim_km, abs=tolerance)
        assert reach == pytest.approx(reach_km, abs=0.1)
        assert miss > 20.0 and reach < 2.0
        assert result.killed == 0 and not events(result, "kill")


def test_a_target_that_holds_its_course_is_killed(vcat) -> None:  # type: ignore[no-untyped-def]
    # The same target turning only at 20 km, long after the intercept: the missile finds it at the aim point
    # (within the track's error, far inside the reserve fire control kept) and kills it (Pk 1).
    sc = scenario([_turning_raid(20.0)], duration_s=500)
    world = build_world(sc, vcat, cell_m=1000.0)
    for seed in range(3):
        result = run(world, seed)
        assert [e.detail for e in events(result, "intercept")] == ["kill"]
        assert result.killed == 1


class _LosesItsTrack(_Run):
    """A run in which the command post loses every track at ``t = 20 s`` (as a radar fade would make it),
    so that the target is picked up again as a new track while the first missile is still flying."""

    def fire_control(self, t: float) -> None:
        if t == 20.0:
            for ui, tracker in enumerate(self.trackers):
                for tid in list(self.track_confirmed_s[ui]):
                    assert tracker.drop(tid)
                    self.track_confirmed_s[ui].pop(tid)
        super().fire_control(t)


def test_no_second_salvo_at_a_target_picked_up_again(vcat) -> None:  # type: ignore[no-untyped-def]
    # Fired at 14 s (50 km out), the missile meets the target at 50.3 s. The track is lost at 20 s; the
    # target is picked up again at once (a new track, confirmed at 22 s, fireable at 34 s). The fire unit
    # knows from the new track's history that it is the target it fired at: no second launch before the
    # first missile arrives and kills it (Pk 1).
    sc = scenario([radial("in", 0.0, 50.0, 0.0, {"amsl": 10000}, 300.0)], duration_s=200)
    world = build_world(sc, vcat, cell_m=1000.0)
    for seed in range(3):
        result = _LosesItsTrack(world, seed, True).run()
        starts = events(result, "track_start")
        assert len(starts) == 2 and starts[1].t_s <= 22.0 and starts[1].track != starts[0].track
        assert [e.t_s for e in events(result, "launch")] == [14.0]
        assert result.killed == 1 and result.interceptors_launched == 1
