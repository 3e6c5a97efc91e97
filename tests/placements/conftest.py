from __future__ import annotations

import pytest

from tests.placements.builders import Map, make_world_map


@pytest.fixture
def world_map(db, settings) -> Map:
    """The synthetic map of tests/placements/builders.py, with travel times estimated."""
    settings.TRAVEL_ENGINE = "estimate"
    return make_world_map()
