"""How far from home a child was placed, worked out once, when the placement is recorded, and
kept with the outcome: later changes to the request, the road network or the region's members do
not rewrite what was true on the day.

- From home: the child's home postcode district (its postcodes' middle), in straight-line miles,
  so that "over 20 miles" is the DfE's own measure (distance between the home postcode and the
  placement's, in a straight line). Not known when the request gave no home district.
- Inside the LA: the setting lies within the placing authority's boundary; inside the region:
  within the union of the region's member authorities' boundaries (what the region is, however
  its LAs are grouped), not an ONS region.
- By road: minutes from the setting to home and to each place that matters, with the engine that
  answered and whether any figure was an estimate. A place whose label names a school (school,
  college, academy, nursery) gives the "travel time to school" figure.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, Point

from accounts.selectors import region_boundary
from geo.models import PostcodeDistrict
from geo.shapes import METRES_PER_MILE
from geo.travel import straight_line_metres, travel_times
from placements.models import PlacementRequest
from providers.models import Setting

DFE_MILES = Decimal(20)
SCHOOL_LABEL = re.compile(r"\b(school|college|academy|nursery)\b", re.IGNORECASE)
HOME = "Home"


def _miles(a: Point, b: Point) -> Decimal:
    return Decimal(str(round(straight_line_metres(a, b) / METRES_PER_MILE, 1)))


def _inside(boundary: GEOSGeometry | None, point: Point) -> bool | None:
    return None if boundary is None else bool(boundary.intersects(point))


def outcome_distances(request: PlacementRequest, setting: Setting) -> dict[str, Any]:
    """The outcome's distance fields (brokerage/models.py PlacementOutcome) for placing the child
    of `request` at `setting`. Nothing is known of a setting without a location."""
    home = (
        PostcodeDistrict.objects.filter(district=request.home_district).first()
        if request.home_district
        else None
    )
    location = setting.location
    fields: dict[str, Any] = {
        "home_district": request.home_district,
        "home_miles": None,
        "home_minutes": None,
        "school_minutes": None,
        "inside_la": None,
        "inside_region": None,
        "over_20_miles": None,
        "travel_engine": "",
        "travel_estimated": False,
        "journeys": [],
    }
    if location is None:
        return fields
    area = request.organisation.area
    fields["inside_la"] = _inside(area.boundary if area else None, location)
    fields["inside_region"] = _inside(
        region_boundary(region=request.organisation.own_region), location
    )
    places = list(request.places.all())
    ends: list[tuple[str, str, Point]] = [(HOME, home.district, home.point)] if home else []
    ends += [(place.label, place.postcode.split(" ")[0], place.point) for place in places]
    if not ends:
        return fields
    matrix = travel_times([location], [point for _, _, point in ends])
    fields["travel_engine"] = matrix.engine
    fields["travel_estimated"] = matrix.any_estimated
    for index, (label, district, point) in enumerate(ends):
        cell = matrix.cell(0, index)
        minutes = None if cell.minutes is None else round(cell.minutes)
        journey = {
            "label": label,
            "district": district,
            "miles": float(_miles(location, point)),
            "minutes": minutes,
            "estimated": cell.estimated,
        }
        fields["journeys"].append(journey)
        if label == HOME and index == 0 and home is not None:
            fields["home_miles"] = _miles(location, point)
            fields["home_minutes"] = minutes
            fields["over_20_miles"] = fields["home_miles"] > DFE_MILES
        elif fields["school_minutes"] is None and SCHOOL_LABEL.search(label):
            fields["school_minutes"] = minutes
    return fields
