"""Frameworks, lots, members and rates. Dates are fixed, never today's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from commissioning.models import Framework, Lot, Membership, NeedLevel, Rate
from providers.models import Accommodation
from tests.factories import RegionFactory
from tests.providers.factories import SettingFactory


class FrameworkFactory(DjangoModelFactory):
    class Meta:
        model = Framework

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Residential framework {n}")
    kind = Framework.Kind.FRAMEWORK
    starts_on = dt.date(2025, 4, 1)
    ends_on = dt.date(2029, 3, 31)


class LotFactory(DjangoModelFactory):
    class Meta:
        model = Lot

    framework = factory.SubFactory(FrameworkFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = "Children's homes"
    accommodation = Accommodation.RESIDENTIAL
    min_age = 8
    max_age = 17
    starts_on = factory.LazyAttribute(lambda o: o.framework.starts_on)
    ends_on = factory.LazyAttribute(lambda o: o.framework.ends_on)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    lot = factory.SubFactory(LotFactory)
    setting = factory.SubFactory(SettingFactory, childrens_home=True)
    joined_on = dt.date(2025, 4, 1)


class RateFactory(DjangoModelFactory):
    class Meta:
        model = Rate

    membership = factory.SubFactory(MembershipFactory)
    need_level = NeedLevel.STANDARD
    weekly_rate = Decimal("5200.00")
    includes = factory.LazyFunction(lambda: ["core", "education"])
