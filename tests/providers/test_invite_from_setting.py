"""A hub admin invites a setting's provider onto the service from the setting's page
(providers/invites.py): the organisation, its first admin's invitation and the setting's link,
all or nothing; and the setting page says whether it is on the service."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent, Invitation, Organisation, Role
from providers.invites import INVITED_CLAIM_NOTE, setting_provider_invite
from providers.models import Setting, SettingClaim
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    return SettingFactory(childrens_home=True, owner_name="Homes2inspire Limited")


def _invite(actor, setting, **values):
    fields = {
        "organisation_name": "Homes2inspire Limited",
        "full_name": "Sam Owner",
        "email": "Sam.Owner@example.org",
    } | values
    return setting_provider_invite(actor=actor, setting=setting, **fields)


def test_the_hub_admin_adds_the_provider_invites_its_admin_and_links_the_setting(
    world, setting, django_capture_on_commit_callbacks, settings
):
    hub_admin = world.user("hub_a", Role.HUB_ADMIN)

    with django_capture_on_commit_callbacks(execute=True):
        organisation, invitation = _invite(hub_admin, setting)

    assert organisation.kind == Organisation.Kind.PROVIDER
    assert organisation.region is None
    assert list(organisation.regions.all()) == [world.hub_a.region]
    assert organisation.name == "Homes2inspire Limited"
    setting.refresh_from_db()
    assert setting.provider_organisation == organisation
    assert setting.provider_since is not None
    claim = SettingClaim.objects.get(setting=setting)
    assert claim.status == SettingClaim.Status.APPROVED
    assert (claim.organisation, claim.decided_by, claim.requested_by) == (
        organisation,
        hub_admin,
        hub_admin,
    )
    assert claim.note == INVITED_CLAIM_NOTE
    assert invitation is not None
    assert (invitation.email, invitation.role) == ("sam.owner@example.org", Role.PROVIDER_ADMIN)
    assert invitation.organisation == organisation
    assert [m.to for m in mail.outbox] == [["sam.owner@example.org"]]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditEvent.Action.PROVIDER_ADDED,
        AuditEvent.Action.USER_INVITED,
        AuditEvent.Action.PROVIDER_INVITED_FROM_SETTING,
    } <= actions


def test_an_existing_organisation_of_that_name_is_linked_without_inviting_anyone(world):
    hub_admin = world.user("hub_a", Role.HUB_ADMIN)
    setting = SettingFactory(owner_name="Provider A1")

    organisation, invitation = _invite(
        hub_admin, setting, organisation_name="provider a1", full_name="", email=""
    )

    assert organisation == world.provider_a1 and invitation is None
    setting.refresh_from_db()
    assert setting.provider_organisation == world.provider_a1
    assert Organisation.objects.filter(name__iexact="provider a1").count() == 1


def test_a_new_organisation_needs_someone_to_invite(world, setting):
    with pytest.raises(ValidationError) as excinfo:
        _invite(world.user("hub_a", Role.HUB_ADMIN), setting, full_name="", email="")
    assert excinfo.value.message_dict == {
        "full_name": ["Enter the full name of the person to invite"],
        "email": ["Enter the email address of the person to invite"],
    }
    assert not Organisation.objects.filter(name="Homes2inspire Limited").exists()


def test_nothing_is_saved_when_the_invitation_is_refused(world, setting):
    taken = world.user("la_a1", Role.PLACEMENT_OFFICER).email
    with pytest.raises(ValidationError) as excinfo:
        _invite(world.user("hub_a", Role.HUB_ADMIN), setting, email=taken)
    assert "email" in excinfo.value.message_dict
    setting.refresh_from_db()
    assert setting.provider_organisation is None
    assert not Organisation.objects.filter(name="Homes2inspire Limited").exists()
    assert not SettingClaim.objects.exists() and not Invitation.objects.exists()


def test_a_setting_already_on_the_service_or_claimed_is_refused(world):
    hub_admin = world.user("hub_a", Role.HUB_ADMIN)
    run = SettingFactory(provider_organisation=world.provider_a2, name="Willow House")
    with pytest.raises(ValidationError, match="already run on the service"):
        _invite(hub_admin, run)
    claimed = SettingFactory(name="Ash Court")
    SettingClaim.objects.create(setting=claimed, organisation=world.provider_a1)
    with pytest.raises(ValidationError, match="Provider A1 has claimed Ash Court"):
        _invite(hub_admin, claimed)
    closed = SettingFactory(closed=True, name="Gone House")
    with pytest.raises(ValidationError, match="closed on Ofsted's register"):
        _invite(hub_admin, closed)
    run.refresh_from_db()
    assert run.provider_organisation == world.provider_a2


@pytest.mark.parametrize(
    ("org", "role"),
    [
        ("la_a1", Role.LA_MANAGER),
        ("la_a1", Role.PLACEMENT_OFFICER),
        ("provider_a1", Role.PROVIDER_ADMIN),
        ("provider_a1", Role.PROVIDER_USER),
    ],
)
def test_only_hub_admins_may_invite(world, setting, org, role):
    with pytest.raises(PermissionDenied):
        _invite(world.user(org, role), setting)
    assert not Organisation.objects.filter(name="Homes2inspire Limited").exists()


# The pages ----------------------------------------------------------------------------------


ACTORS = [
    ("hub_a", Role.HUB_ADMIN),
    ("hub_b", Role.HUB_ADMIN),
    ("la_a1", Role.LA_MANAGER),
    ("la_a1", Role.PLACEMENT_OFFICER),
    ("provider_a1", Role.PROVIDER_ADMIN),
    ("provider_a1", Role.PROVIDER_USER),
]


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: f"{a[0]}-{a[1]}")
def test_invite_page_permission_matrix(client, world, setting, actor):
    """Hub admins (of any region: the register is national) may; nobody else. A refused POST
    changes nothing."""
    org, role = actor
    client.force_login(world.user(org, role))
    url = reverse("providers:setting_provider_invite", args=[setting.urn])
    expected = 200 if role == Role.HUB_ADMIN else 403

    response = client.get(url)
    assert response.status_code == expected
    detail = client.get(reverse("providers:setting_detail", args=[setting.urn])).content.decode()
    assert ("Invite this provider to the service" in detail) == (expected == 200)

    response = client.post(
        url,
        {
            "organisation_name": "Homes2inspire Limited",
            "full_name": "Sam Owner",
            "email": "sam@example.org",
        },
    )
    assert response.status_code == (302 if expected == 200 else expected)
    setting.refresh_from_db()
    assert (setting.provider_organisation is not None) == (expected == 200)
    if expected == 200:
        assert world.user(org, role).region in setting.provider_organisation.regions.all()


def test_the_invite_page_is_prefilled_from_ofsteds_owner_and_links_the_setting(
    client, world, setting
):
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    detail_url = reverse("providers:setting_detail", args=[setting.urn])
    detail = client.get(detail_url).content.decode()
    assert "No: its provider does not use this service yet" in detail
    assert reverse("providers:setting_provider_invite", args=[setting.urn]) in detail

    page = client.get(
        reverse("providers:setting_provider_invite", args=[setting.urn])
    ).content.decode()
    assert 'value="Homes2inspire Limited"' in page

    response = client.post(
        reverse("providers:setting_provider_invite", args=[setting.urn]),
        {"organisation_name": "Homes2inspire Limited", "full_name": "", "email": ""},
    )
    assert response.status_code == 200
    assert "Enter the full name of the person to invite" in response.content.decode()

    response = client.post(
        reverse("providers:setting_provider_invite", args=[setting.urn]),
        {
            "organisation_name": "Homes2inspire Limited",
            "full_name": "Sam Owner",
            "email": "sam@example.org",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "is now run on the service by Homes2inspire Limited" in html
    assert "Invitation sent to sam@example.org" in html
    assert "Yes: run by Homes2inspire Limited, so it can be sent referrals" in html
    assert "Invite this provider to the service" not in html
    again = client.get(
        reverse("providers:setting_provider_invite", args=[setting.urn])
    ).content.decode()
    assert "already run on the service" in again and "<form" not in again.split("<main")[1]


def test_the_setting_page_shows_the_owner_and_the_service_to_everyone(client, world):
    run = SettingFactory(
        owner_name="Oak Care Ltd", provider_organisation=world.provider_a1, name="Oak House"
    )
    client.force_login(world.user("la_b1", Role.PLACEMENT_OFFICER))
    html = client.get(reverse("providers:setting_detail", args=[run.urn])).content.decode()
    assert "Oak Care Ltd" in html
    assert "Yes: run by Provider A1, so it can be sent referrals" in html
    assert Setting.objects.get(pk=run.pk).provider_organisation == world.provider_a1
