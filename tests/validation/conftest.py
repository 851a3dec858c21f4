"""Fixtures of the validation suite (hand-computed cases: see ``_cases``)."""

from __future__ import annotations

import pytest

from iadsim.catalog import Catalog, load_catalog
from tests.validation._cases import HERE


@pytest.fixture(scope="session")
def vcat() -> Catalog:
    return load_catalog([HERE / "validation-catalog.yaml"])
