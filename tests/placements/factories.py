"""Placement requests and the places that matter to them.

A request belongs to a local authority organisation (pass `organisation=`; a new LA otherwise):
a girl of 14 to be moved within 5 days, suited to a children's home, with no places and no
areas to avoid. Every value is computed when a factory runs, never at import.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.gis.geos import Point
from factory.django import DjangoModelFactory

from placements.models import ChildSex, PlacementRequest, PlaceThatMatters, Urgency
from tests.factories import OrganisationFactory

factory.Faker._DEFAULT_LOCALE = "en_GB"


class PlacementRequestFactory(DjangoModelFactory):
    class Meta:
        model = PlacementRequest

    organisation = factory.SubFactory(OrganisationFactory, local_authority=True)
    created_by = None
    reference = factory.Sequence(lambda n: f"CIC/{n:05d}")
    status = PlacementRequest.Status.OPEN
    age_years = 14
    sex = ChildSex.FEMALE
    urgency = Urgency.WITHIN_5_DAYS
    accommodation = factory.LazyFunction(lambda: ["residential"])

    class Params:
        closed = factory.Trait(
            status=PlacementRequest.Status.CLOSED,
            close_reason="no_longer_needed",
            closed_at=factory.Faker("date_time_this_year", tzinfo=dt.UTC),
        )


class PlaceThatMattersFactory(DjangoModelFactory):
    """A school in Oakham (LE15 6AB) with no journey limit, unless told otherwise."""

    class Meta:
        model = PlaceThatMatters

    request = factory.SubFactory(PlacementRequestFactory)
    label = "School"
    postcode = "LE15 6AB"
    point = factory.LazyFunction(lambda: Point(-0.730054, 52.670371, srid=4326))
    max_minutes = None
    position = factory.Sequence(lambda n: n)
