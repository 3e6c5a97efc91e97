"""Hub admins' writes to frameworks, lots, members and rates: the rules, and who is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import Role
from commissioning import selectors, services
from commissioning.models import Framework, Lot, Membership, NeedLevel, Rate
from commissioning.services import RateInput
from providers.models import Accommodation
from tests.commissioning.factories import (
    FrameworkFactory,
    LotFactory,
    MembershipFactory,
    RateFactory,
)
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

HUB, MGR, OFF, PADM, PUSR = (
    Role.HUB_ADMIN,
    Role.LA_MANAGER,
    Role.PLACEMENT_OFFICER,
    Role.PROVIDER_ADMIN,
    Role.PROVIDER_USER,
)
ACTOR_ORG = {HUB: "hub_a", MGR: "la_a1", OFF: "la_a1", PADM: "provider_a1", PUSR: "provider_a1"}
APRIL = dt.date(2025, 4, 1)
MARCH_29 = dt.date(2029, 3, 31)


def _framework_values(**overrides):
    values = {
        "name": "East Midlands residential",
        "kind": Framework.Kind.FRAMEWORK,
        "owner": None,
        "reference": "EM-2025-01",
        "starts_on": APRIL,
        "ends_on": MARCH_29,
    }
    return {**values, **overrides}


def _lot_values(**overrides):
    values = {
        "number": 1,
        "name": "Children's homes, solo",
        "accommodation": Accommodation.RESIDENTIAL,
        "min_age": 8,
        "max_age": 17,
        "starts_on": APRIL,
        "ends_on": MARCH_29,
    }
    return {**values, **overrides}


def _error(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# Frameworks -------------------------------------------------------------------------------------


def test_hub_admin_adds_a_framework_for_the_region_with_history(world):
    admin = world.user("hub_a", HUB)
    framework = services.framework_save(actor=admin, **_framework_values())
    assert framework.region == world.hub_a.region
    assert framework.owner is None
    record = framework.history.get()
    assert (record.history_type, record.history_user) == ("+", admin)


def test_a_member_la_may_own_a_framework_but_not_another_regions_la(world):
    admin = world.user("hub_a", HUB)
    framework = services.framework_save(actor=admin, **_framework_values(owner=world.la_a2))
    assert framework.owner == world.la_a2
    with pytest.raises(ValidationError) as excinfo:
        services.framework_save(actor=admin, **_framework_values(name="X", owner=world.la_b1))
    assert _error(excinfo) == {
        "owner": ["Choose the region or one of its member local authorities"]
    }


def test_framework_names_are_unique_in_a_region_and_dates_in_order(world):
    admin = world.user("hub_a", HUB)
    services.framework_save(actor=admin, **_framework_values())
    with pytest.raises(ValidationError) as excinfo:
        services.framework_save(actor=admin, **_framework_values(name="east midlands RESIDENTIAL"))
    assert "already has a framework called" in _error(excinfo)["name"][0]
    with pytest.raises(ValidationError) as excinfo:
        services.framework_save(
            actor=admin, **_framework_values(name="Y", ends_on=dt.date(2025, 3, 31))
        )
    assert _error(excinfo) == {
        "ends_on": ["The end date must be the same as or after the start date"]
    }
    # Another region may use the same name.
    services.framework_save(actor=world.user("hub_b", HUB), **_framework_values())
    assert Framework.objects.filter(name="East Midlands residential").count() == 2


def test_a_frameworks_dates_cannot_shrink_past_its_lots(world):
    admin = world.user("hub_a", HUB)
    framework = FrameworkFactory(region=world.hub_a.region)
    LotFactory(framework=framework, number=2)
    with pytest.raises(ValidationError) as excinfo:
        services.framework_save(actor=admin, framework=framework, ends_on=dt.date(2027, 3, 31))
    assert excinfo.value.messages == [
        "Lot 2 runs outside these dates: change the lot's dates first"
    ]


@pytest.mark.parametrize("role", [MGR, OFF, PADM, PUSR])
def test_only_hub_admins_change_frameworks(world, role):
    actor = world.user(ACTOR_ORG[role], role)
    with pytest.raises(PermissionDenied):
        services.framework_save(actor=actor, **_framework_values())
    framework = FrameworkFactory(region=world.hub_a.region)
    with pytest.raises(PermissionDenied):
        services.lot_save(actor=actor, framework=framework, **_lot_values())
    assert not Lot.objects.exists()


def test_another_regions_hub_admin_changes_nothing(world):
    framework = FrameworkFactory(region=world.hub_a.region, name="Ours")
    lot = LotFactory(framework=framework)
    membership = MembershipFactory(lot=lot)
    other = world.user("hub_b", HUB)
    with pytest.raises(PermissionDenied):
        services.framework_save(actor=other, framework=framework, name="Theirs")
    with pytest.raises(PermissionDenied):
        services.lot_save(actor=other, framework=framework, **_lot_values(number=9))
    with pytest.raises(PermissionDenied):
        services.membership_add(
            actor=other, lot=lot, urn=SettingFactory().urn, joined_on=APRIL, rates=[]
        )
    with pytest.raises(PermissionDenied):
        services.membership_status_change(
            actor=other, membership=membership, status="left", on=APRIL
        )
    framework.refresh_from_db()
    assert framework.name == "Ours"
    with pytest.raises(Http404):
        selectors.framework_get(user=other, pk=framework.pk)


# Lots -------------------------------------------------------------------------------------------


def test_lot_dates_inside_the_frameworks_and_ages_in_order(world):
    admin = world.user("hub_a", HUB)
    framework = FrameworkFactory(region=world.hub_a.region)
    with pytest.raises(ValidationError) as excinfo:
        services.lot_save(
            actor=admin,
            framework=framework,
            **_lot_values(
                min_age=16, max_age=12, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2030, 1, 1)
            ),
        )
    assert _error(excinfo) == {
        "max_age": ["The oldest age must be the same as or more than the youngest"],
        "starts_on": ["The lot cannot start before the framework does (1 April 2025)"],
        "ends_on": ["The lot must end by the day the framework does (31 March 2029)"],
    }
    lot = services.lot_save(actor=admin, framework=framework, **_lot_values())
    assert (lot.number, lot.min_age, lot.max_age) == (1, 8, 17)
    assert lot.history.get().history_user == admin


def test_a_lot_number_is_used_once_in_a_framework(world):
    admin = world.user("hub_a", HUB)
    framework = FrameworkFactory(region=world.hub_a.region)
    services.lot_save(actor=admin, framework=framework, **_lot_values())
    with pytest.raises(ValidationError) as excinfo:
        services.lot_save(actor=admin, framework=framework, **_lot_values(name="Other"))
    assert _error(excinfo) == {
        "number": ["This framework already has a lot 1. Enter another number"]
    }


# Members and rates ------------------------------------------------------------------------------


def _rates():
    return [
        RateInput(need_level=NeedLevel.STANDARD, weekly_rate=Decimal("5200"), includes=["core"]),
        RateInput(
            need_level=NeedLevel.SPECIALIST,
            weekly_rate=Decimal("8750.50"),
            includes=["core", "education", "therapy"],
            solo_premium=Decimal("900"),
        ),
    ]


def test_hub_admin_adds_a_member_by_urn_with_its_rates(world):
    admin = world.user("hub_a", HUB)
    lot = LotFactory(framework=FrameworkFactory(region=world.hub_a.region))
    setting = SettingFactory(urn="SC654321", childrens_home=True)
    membership = services.membership_add(
        actor=admin, lot=lot, urn=" sc654321 ", joined_on=dt.date(2025, 6, 1), rates=_rates()
    )
    assert membership.setting == setting
    assert membership.status == Membership.Status.ACTIVE
    assert membership.updated_by == admin
    rates = {r.need_level: (r.weekly_rate, r.includes, r.solo_premium) for r in Rate.objects.all()}
    assert rates == {
        "standard": (Decimal("5200.00"), ["core"], None),
        "specialist": (Decimal("8750.50"), ["core", "education", "therapy"], Decimal("900.00")),
    }
    assert {r.history_user for r in Rate.history.all()} == {admin}


def test_adding_a_member_refuses_unknown_closed_repeated_or_out_of_dates(world):
    admin = world.user("hub_a", HUB)
    lot = LotFactory(framework=FrameworkFactory(region=world.hub_a.region))
    closed = SettingFactory(urn="SC000777", name="Old House", closed=True)
    member = MembershipFactory(lot=lot).setting
    cases = [
        ("SC999999", APRIL, "urn", "No setting has the URN SC999999. Check the Ofsted URN"),
        ("SC000777", APRIL, "urn", "Old House (SC000777) has closed: it cannot join a lot"),
        (member.urn, APRIL, "urn", f"{member.name} ({member.urn}) is already a member of this lot"),
        (
            SettingFactory().urn,
            dt.date(2025, 3, 1),
            "joined_on",
            "The date it joined must be within the lot's dates",
        ),
    ]
    for urn, joined_on, field, message in cases:
        with pytest.raises(ValidationError) as excinfo:
            services.membership_add(actor=admin, lot=lot, urn=urn, joined_on=joined_on, rates=[])
        assert _error(excinfo) == {field: [message]}
    assert closed.memberships.count() == 0
    assert Membership.objects.count() == 1


def test_a_rate_of_nothing_or_a_million_is_refused_and_nothing_saved(world):
    admin = world.user("hub_a", HUB)
    lot = LotFactory(framework=FrameworkFactory(region=world.hub_a.region))
    for amount in ("0", "1000000"):
        with pytest.raises(ValidationError) as excinfo:
            services.membership_add(
                actor=admin,
                lot=lot,
                urn=SettingFactory().urn,
                joined_on=APRIL,
                rates=[RateInput(need_level="standard", weekly_rate=Decimal(amount), includes=[])],
            )
        assert _error(excinfo) == {"rate_standard": ["Enter a weekly rate between £1 and £100,000"]}
    assert not Membership.objects.exists()


def test_changing_rates_changes_only_what_differs_and_removes_what_is_left_out(world):
    admin = world.user("hub_a", HUB)
    membership = MembershipFactory(
        lot=LotFactory(framework=FrameworkFactory(region=world.hub_a.region))
    )
    RateFactory(membership=membership, need_level="standard", weekly_rate=Decimal("5200"))
    RateFactory(membership=membership, need_level="complex", weekly_rate=Decimal("7000"))
    RateFactory(membership=membership, need_level="enhanced", weekly_rate=Decimal("6000"))
    services.membership_rates_save(
        actor=admin,
        membership=membership,
        rates=[
            RateInput(
                need_level="standard", weekly_rate=Decimal("5200"), includes=["core", "education"]
            ),
            RateInput(
                need_level="complex", weekly_rate=Decimal("7100"), includes=["core", "education"]
            ),
        ],
    )
    rates = dict(membership.rates.values_list("need_level", "weekly_rate"))
    assert rates == {"standard": Decimal("5200.00"), "complex": Decimal("7100.00")}
    by_admin = Rate.history.filter(history_user=admin)
    assert sorted(by_admin.values_list("need_level", "history_type")) == [
        ("complex", "~"),
        ("enhanced", "-"),
    ]


def test_suspend_leave_and_reinstate_with_dates(world):
    admin = world.user("hub_a", HUB)
    membership = MembershipFactory(
        lot=LotFactory(framework=FrameworkFactory(region=world.hub_a.region)),
        joined_on=dt.date(2025, 5, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.membership_status_change(
            actor=admin, membership=membership, status="suspended", on=dt.date(2025, 4, 30)
        )
    assert _error(excinfo) == {"on": ["The date cannot be before it joined (1 May 2025)"]}
    with pytest.raises(ValidationError) as excinfo:
        services.membership_status_change(
            actor=admin, membership=membership, status="active", on=dt.date(2025, 6, 1)
        )
    assert _error(excinfo) == {"status": ["The member is already active"]}
    for status, on in (
        ("suspended", dt.date(2025, 9, 1)),
        ("active", dt.date(2025, 10, 1)),
        ("left", dt.date(2026, 1, 31)),
    ):
        services.membership_status_change(actor=admin, membership=membership, status=status, on=on)
        membership.refresh_from_db()
        assert (membership.status, membership.status_changed_on) == (status, on)
    assert list(membership.history.values_list("status", flat=True)) == [
        "left",
        "active",
        "suspended",
        "active",
    ]


# Reads ------------------------------------------------------------------------------------------


def test_readers_see_their_regions_frameworks_providers_only_their_own(world):
    ours = FrameworkFactory(region=world.hub_a.region, name="Ours")
    FrameworkFactory(region=world.hub_b.region, name="Theirs")
    for role in (HUB, MGR, OFF):
        names = [f.name for f in selectors.framework_list(user=world.user(ACTOR_ORG[role], role))]
        assert names == ["Ours"]
    for role in (PADM, PUSR):
        with pytest.raises(PermissionDenied):
            selectors.framework_list(user=world.user(ACTOR_ORG[role], role))
    lot = LotFactory(framework=ours)
    mine = MembershipFactory(
        lot=lot, setting=SettingFactory(provider_organisation=world.provider_a1)
    )
    MembershipFactory(lot=lot, setting=SettingFactory(provider_organisation=world.provider_a2))
    assert list(selectors.own_memberships(user=world.user("provider_a1", PUSR))) == [mine]
    with pytest.raises(PermissionDenied):
        selectors.own_memberships(user=world.user("la_a1", OFF))


def test_counts_and_current_or_ended(world):
    framework = FrameworkFactory(region=world.hub_a.region, name="Current")
    FrameworkFactory(
        region=world.hub_a.region,
        name="Old",
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2024, 12, 31),
    )
    lot1, lot2 = LotFactory(framework=framework), LotFactory(framework=framework)
    setting = SettingFactory()
    MembershipFactory(lot=lot1, setting=setting)
    MembershipFactory(lot=lot2, setting=setting)  # one setting on two lots counts once
    MembershipFactory(lot=lot2, status="left", status_changed_on=dt.date(2025, 5, 1))
    frameworks = selectors.framework_list(user=world.user("hub_a", HUB))
    split = selectors.framework_split(frameworks, today=dt.date(2026, 1, 1))
    assert [(f.name, f.lot_count, f.member_count) for f in split["current"]] == [("Current", 2, 1)]
    assert [f.name for f in split["ended"]] == ["Old"]


def test_changes_list_who_changed_what_newest_first(world):
    admin = world.user("hub_a", HUB)
    framework = services.framework_save(actor=admin, **_framework_values())
    lot = services.lot_save(actor=admin, framework=framework, **_lot_values())
    setting = SettingFactory(urn="SC123123", name="Oak House")
    membership = services.membership_add(
        actor=admin, lot=lot, urn="SC123123", joined_on=APRIL, rates=_rates()[:1]
    )
    services.membership_status_change(
        actor=admin, membership=membership, status="suspended", on=dt.date(2025, 7, 1)
    )
    changes = selectors.framework_changes(user=world.user("la_a1", OFF), framework=framework)
    assert [(c.action, c.what) for c in changes] == [
        ("Changed", "Member: Oak House (SC123123)"),
        ("Added", "Rate for Oak House: Standard"),
        ("Added", "Member: Oak House (SC123123)"),
        ("Added", "Lot 1: Children's homes, solo"),
        ("Added", "Framework: East Midlands residential"),
    ]
    assert {c.who for c in changes} == {admin.full_name}
    assert "Status: active → suspended" in changes[0].fields
    assert setting.pk
