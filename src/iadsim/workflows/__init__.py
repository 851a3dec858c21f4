"""What composes the layers: the coverage study (floors, maps, files), the demo, the report of an output
folder, and the names of the files they write (:mod:`iadsim.workflows.layout`). Above ``coverage``,
``sim``, ``montecarlo``, ``store`` and ``report``; below ``cli`` and ``web``."""
