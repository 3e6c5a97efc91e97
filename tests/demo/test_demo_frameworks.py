"""The demo region's framework: three lots, the region's on-service settings as members with
demo rates by need level; run again, nothing doubles."""

import pytest

from commissioning.models import Framework, Membership, Rate
from common.demo import DemoRefused
from demo.seeding import DEMO_FRAMEWORK_NAME, DEMO_REGION_CODE, demo_frameworks_seed
from geo.models import Area
from tests.factories import AreaFactory, OrganisationFactory, RegionFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db


def test_demo_framework_has_three_lots_and_members_with_rates(settings):
    settings.DEMO_DATA_ALLOWED = True
    region = RegionFactory(area=AreaFactory(gss_code=DEMO_REGION_CODE, kind=Area.Kind.REGION))
    provider = OrganisationFactory(region=region, name="Oakfield Care Ltd (demo)")
    homes = [SettingFactory(childrens_home=True, provider_organisation=provider) for _ in range(10)]
    SettingFactory(childrens_home=True, provider_organisation=provider, closed=True)
    SettingFactory(childrens_home=True)  # not on the service: not a member
    supported = SettingFactory(
        provision_type="supported_accommodation", provider_organisation=provider
    )

    assert demo_frameworks_seed() == 8 + 4 + 1
    framework = Framework.objects.get(name=DEMO_FRAMEWORK_NAME)
    assert framework.region == region
    assert [(lot.number, lot.accommodation) for lot in framework.lots.all()] == [
        (1, "residential"),
        (2, "residential"),
        (3, "supported"),
    ]
    lot1 = Membership.objects.filter(lot__number=1).values_list("setting__urn", flat=True)
    assert sorted(lot1) == sorted(h.urn for h in homes)[:8]
    assert list(Membership.objects.filter(lot__number=3).values_list("setting", flat=True)) == [
        supported.pk
    ]
    membership = Membership.objects.filter(lot__number=2).first()
    rates = {r.need_level: r for r in membership.rates.all()}
    assert rates["specialist"].weekly_rate - rates["standard"].weekly_rate == 3800
    assert rates["specialist"].solo_premium == 950
    count = Rate.objects.count()
    assert count == 13 * 4

    assert demo_frameworks_seed() == 0
    assert Rate.objects.count() == count


def test_demo_framework_is_refused_where_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(DemoRefused):
        demo_frameworks_seed()
