"""The database refuses what no framework can be: the constraints behind every service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from commissioning.models import Membership, NeedLevel
from tests.commissioning.factories import (
    FrameworkFactory,
    LotFactory,
    MembershipFactory,
    RateFactory,
)

pytestmark = pytest.mark.django_db


def _refused(factory, **values) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**values)


def test_a_framework_cannot_end_before_it_starts_nor_share_a_name_in_its_region():
    framework = FrameworkFactory(name="East Midlands residential")
    _refused(FrameworkFactory, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2025, 12, 31))
    _refused(FrameworkFactory, region=framework.region, name="East Midlands residential")
    assert FrameworkFactory(name="East Midlands residential").region != framework.region


def test_a_lot_has_its_ages_in_order_and_one_number_per_framework():
    lot = LotFactory(number=1)
    _refused(LotFactory, min_age=16, max_age=12)
    _refused(LotFactory, framework=lot.framework, number=1)


def test_a_setting_is_on_a_lot_once_and_a_change_of_status_is_dated():
    membership = MembershipFactory()
    _refused(MembershipFactory, lot=membership.lot, setting=membership.setting)
    _refused(MembershipFactory, status=Membership.Status.LEFT, status_changed_on=None)
    left = MembershipFactory(status=Membership.Status.LEFT, status_changed_on=dt.date(2026, 3, 1))
    assert left.get_status_display() == "Left"


@pytest.mark.parametrize("weekly", ["0.00", "1000000.00"])
def test_a_rate_of_nothing_or_a_million_is_refused(weekly):
    _refused(RateFactory, weekly_rate=Decimal(weekly))


def test_one_rate_per_need_level_and_the_model_says_why_in_words():
    rate = RateFactory(need_level=NeedLevel.COMPLEX)
    _refused(RateFactory, membership=rate.membership, need_level=NeedLevel.COMPLEX)
    rate.weekly_rate = Decimal("0.50")
    with pytest.raises(ValidationError) as error:
        rate.full_clean()
    assert "weekly_rate" in error.value.message_dict


def test_every_change_is_kept_with_when():
    rate = RateFactory(weekly_rate=Decimal("5200.00"))
    rate.weekly_rate = Decimal("5350.00")
    rate.save()
    assert [h.weekly_rate for h in rate.history.order_by("history_date")] == [
        Decimal("5200.00"),
        Decimal("5350.00"),
    ]
