"""Monte Carlo studies: replications of a scenario, serial or on Dask, with sweeps and uncertainty."""

from iadsim.montecarlo.study import Point, StudySpec, Sweep, parse_sweep, replication_seed
from iadsim.montecarlo.uncertainty import Disputed, disputed_figures

__all__ = ["Disputed", "Point", "StudySpec", "Sweep", "disputed_figures", "parse_sweep", "replication_seed"]
