"""The results of one built-in run, pinned: a change of structure (modules moved, a tracker split into roles,
faster start-up) must leave every outcome of ``iadsim run ankara-s400 --seed 1`` as it was, bit for bit.

A change that is meant to alter the results (a model, a catalog figure) regenerates the file and says why
in its commit::

    uv run iadsim run ankara-s400 --seed 1 --json | python -c "import json, sys; d = json.load(sys.stdin); \
[d.pop(k) for k in ('manifest', 'run_id')]; json.dump(d, sys.stdout, indent=1, sort_keys=True)" \
> tests/data/ankara-s400-seed1.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PINNED = Path(__file__).parent / "data" / "ankara-s400-seed1.json"


def test_ankara_s400_seed_1_is_unchanged(cli: Any) -> None:
    result = cli("run", "ankara-s400", "--seed", "1", "--json")
    assert result.code == 0, result.err
    got = json.loads(result.out)
    got.pop("manifest"), got.pop("run_id")
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    assert got.keys() == pinned.keys()
    for key in sorted(pinned.keys() - {"outcomes"}):
        assert got[key] == pinned[key], key
    assert len(got["outcomes"]) == len(pinned["outcomes"]) == pinned["threats"]
    for mine, theirs in zip(got["outcomes"], pinned["outcomes"], strict=True):
        assert mine == theirs
