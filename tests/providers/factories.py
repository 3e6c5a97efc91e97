"""Settings and their change events, as Ofsted's list would give them.

Every value is computed when a factory runs (sequences, Faker, lazy attributes), never at import.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.gis.geos import Point
from factory.django import DjangoModelFactory

from providers.models import Judgement, ProvisionType, Setting, SettingEvent

factory.Faker._DEFAULT_LOCALE = "en_GB"


class SettingFactory(DjangoModelFactory):
    """An open independent fostering agency (public address) unless told otherwise.

    Traits: `childrens_home` (a private location, as Ofsted publish it: no name, no address),
    `closed`, `suspended`, `located` (a point in the East Midlands).
    """

    class Meta:
        model = Setting
        django_get_or_create = ("urn",)

    urn = factory.Sequence(lambda n: f"SC{100000 + n:06d}")
    provision_type = ProvisionType.INDEPENDENT_FOSTERING_AGENCY
    name = factory.Faker("company")
    owner_name = factory.Faker("company")
    sector = "Private"
    status = Setting.Status.ACTIVE
    registration_date = factory.Faker("date_between", start_date="-15y", end_date="-1y")
    places = factory.Faker("pyint", min_value=1, max_value=12)
    local_authority_name = factory.LazyAttribute(
        lambda o: o.local_authority.name if o.local_authority else ""
    )
    local_authority = None
    ofsted_region = "East Midlands"
    address_line_1 = factory.Faker("street_address")
    town = factory.Faker("city")
    postcode = factory.Faker("postcode")
    location = None
    latest_inspection_type = "Full inspection"
    latest_inspection_date = factory.Faker("date_between", start_date="-3y", end_date="-30d")
    latest_inspection_published = factory.LazyAttribute(
        lambda o: (
            o.latest_inspection_date + dt.timedelta(days=21) if o.latest_inspection_date else None
        )
    )
    overall_effectiveness = Judgement.GOOD
    help_and_protection = Judgement.GOOD
    leadership_and_management = Judgement.GOOD

    class Params:
        childrens_home = factory.Trait(
            provision_type=ProvisionType.CHILDRENS_HOME,
            name="",
            address_line_1=factory.Faker("street_address"),
        )
        closed = factory.Trait(
            status=Setting.Status.CLOSED,
            closed_at=factory.Faker("date_time_this_year", tzinfo=dt.UTC),
        )
        suspended = factory.Trait(status=Setting.Status.SUSPENDED)
        located = factory.Trait(
            location=factory.LazyAttribute(lambda o: Point(o.longitude, o.latitude, srid=4326))
        )
        # Somewhere in the East Midlands, for `located`.
        longitude = factory.Faker("pyfloat", min_value=-1.9, max_value=-0.6)
        latitude = factory.Faker("pyfloat", min_value=52.4, max_value=53.4)


class SettingEventFactory(DjangoModelFactory):
    class Meta:
        model = SettingEvent

    setting = factory.SubFactory(SettingFactory)
    kind = SettingEvent.Kind.JUDGEMENT_IMPROVED
    field = "overall_effectiveness"
    old_value = Judgement.REQUIRES_IMPROVEMENT.label
    new_value = Judgement.GOOD.label
