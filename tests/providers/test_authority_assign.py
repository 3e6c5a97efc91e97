"""The hub says which successor of a split authority a setting is in, when the list cannot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Organisation, Role
from geo.successions import Basis
from providers.models import Setting
from providers.services import ofsted_import, source_read
from tests.factories import OrganisationFactory, RegionFactory, UserFactory
from tests.providers.ofsted_files import DATA, region_with_cumbrias_successors

LIST_2018 = DATA / "ofsted" / "provider_at_march_2018.csv"
PENRITH = "1247885"  # a children's home in Cumbria, Penrith and The Border (2018 list)
pytestmark = pytest.mark.skipif(not LIST_2018.exists(), reason="Ofsted lists not present")


@pytest.fixture
def cumbria(boundaries):
    """North West's hub with Cumberland and Westmorland and Furness as members; another region's
    hub; the 2018 list imported."""
    north_west, elsewhere = region_with_cumbrias_successors(), RegionFactory(name="Elsewhere")
    hub = OrganisationFactory(region=north_west, hub=True)
    ofsted_import(source=source_read(LIST_2018), commit=True, origin="command")
    return {
        "hub_admin": UserFactory(organisation=hub, role=Role.HUB_ADMIN, full_name="Sam Hub"),
        "other_hub_admin": UserFactory(
            organisation=OrganisationFactory(region=elsewhere, hub=True), role=Role.HUB_ADMIN
        ),
        "officer": UserFactory(
            organisation=Organisation.objects.get(gss_code="E06000063"),
            role=Role.PLACEMENT_OFFICER,
        ),
    }


URL = reverse("providers:authority_assign")


def test_the_hub_sees_its_regions_settings_to_assign_and_assigns_one(cumbria, client):
    waiting = Setting.objects.filter(local_authority_basis=Basis.TO_ASSIGN)
    # All in Cumbria's Penrith and The Border, which lies in both successors.
    assert waiting.count() == waiting.filter(local_authority_name="Cumbria").count() == 13
    client.force_login(cumbria["hub_admin"])
    page = client.get(URL).content.decode()
    assert page.count('name="urn"') == 13
    assert f'value="{PENRITH}"' in page
    assert "Westmorland and Furness" in page

    response = client.post(URL, {"urn": PENRITH, "area": "E06000064"})
    assert response.status_code == 302
    setting = Setting.objects.get(urn=PENRITH)
    assert setting.local_authority.gss_code == "E06000064"
    assert setting.local_authority_basis == Basis.ASSIGNED
    assert "assigned to Westmorland and Furness by Sam Hub" in setting.local_authority_note
    assert f'value="{PENRITH}"' not in client.get(URL).content.decode()

    # The same list again cannot tell: the hub's answer stays.
    ofsted_import(source=source_read(LIST_2018), commit=True, origin="command")
    setting.refresh_from_db()
    assert setting.local_authority.gss_code == "E06000064"
    assert setting.local_authority_basis == Basis.ASSIGNED


def test_no_choice_or_a_wrong_one_is_said_and_changes_nothing(cumbria, client):
    client.force_login(cumbria["hub_admin"])
    page = client.post(URL, {"urn": PENRITH}).content.decode()
    assert "There is a problem" in page
    assert f'href="#area-{PENRITH}"' in page
    # An authority that is not one of its successors.
    page = client.post(URL, {"urn": PENRITH, "area": "E06000017"}).content.decode()
    assert "There is a problem" in page
    assert Setting.objects.get(urn=PENRITH).local_authority_basis == Basis.TO_ASSIGN


@pytest.mark.parametrize(
    ("who", "get_status", "post_status"),
    [("officer", 403, 403), ("other_hub_admin", 200, 404), (None, 302, 302)],
)
def test_only_the_hub_of_a_successor_may_assign(cumbria, client, who, get_status, post_status):
    if who:
        client.force_login(cumbria[who])
    response = client.get(URL)
    assert response.status_code == get_status
    if get_status == 200:
        assert f'value="{PENRITH}"' not in response.content.decode()
    assert client.post(URL, {"urn": PENRITH, "area": "E06000063"}).status_code == post_status
    assert Setting.objects.get(urn=PENRITH).local_authority_basis == Basis.TO_ASSIGN
