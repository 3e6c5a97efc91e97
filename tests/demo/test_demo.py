import pytest
from django.core.management import CommandError, call_command

from accounts.models import Organisation, Role, User
from demo.seeding import (
    DEMO_LA_CODE,
    DEMO_PASSWORD,
    DEMO_REGION_CODE,
    DEMO_TRANSIT_LA_CODE,
    DEMO_TRANSIT_REFERENCE,
)
from geo.models import OutsideEnglandPostcode, Postcode
from geo.postcodes import PostcodeOutsideEnglandError, postcode_lookup
from placements.matching import SearchCriteria, setting_match
from placements.models import PlacementRequest, PlaceThatMatters
from providers import facts
from providers.demo import DEMO_ADDRESS_LINE
from providers.models import CarerHousehold, Eligibility, Setting, Vacancy
from tests.factories import sign_in

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_a_real_region_and_one_login_per_role(capsys, client, settings):
    settings.TRAVEL_ENGINE = "estimate"  # the same figures whichever road network is built
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Imported 5600 settings from Ofsted's list" in out
    loaded = Postcode.objects.exclude(postcode__startswith="CH").count()
    assert f"Loaded {loaded} postcodes for the demo region" in out
    chester = Postcode.objects.filter(postcode__startswith="CH").count()
    assert f"Loaded {chester} postcodes in the CH area, for Chester's bus timetable" in out
    assert Postcode.objects.get(pk="LE15 6AB").utla_code == "E06000017"
    # Only the region's postcodes are loaded, yet Welsh and Scottish ones read "outside
    # England" (from geo/data/outside_england_districts.json), not "not found".
    # (Chester's postcode area, CH, is loaded too for its bus timetable: CH5 to CH8 are Welsh.)
    assert not OutsideEnglandPostcode.objects.exclude(postcode__startswith="CH").exists()
    for postcode, where in (("CF10 1AA", "in Wales"), ("EH1 1YZ", "in Scotland")):
        with pytest.raises(PostcodeOutsideEnglandError, match=f"{where}, outside England"):
            postcode_lookup(postcode)
    # Public settings in the demo region are on the map.
    assert Setting.objects.filter(
        location__isnull=False, provision_type="independent_fostering_agency"
    ).exists()
    las = Organisation.objects.filter(kind=Organisation.Kind.LOCAL_AUTHORITY)
    # The East Midlands' ten upper-tier authorities; the North West's hub has Cheshire West.
    assert las.filter(region__area__gss_code="E12000004").count() == 10
    assert list(las.exclude(region__area__gss_code="E12000004").values_list("name", flat=True)) == [
        "Cheshire West and Chester"
    ]
    assert set(las.values_list("gss_code", flat=True)) >= {"E06000017", "E10000018", "E06000016"}
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    # The demo provider is one organisation working in both regions.
    oakfield = Organisation.objects.get(name="Oakfield Care Ltd (demo)")
    assert oakfield.region is None and oakfield.regions.count() == 2
    for user in User.objects.all():
        assert user.email in out
        response = sign_in(client, user.email, DEMO_PASSWORD)
        assert response.wsgi_request.user == user
        client.post("/sign-out/")

    # The demo provider runs real settings, with vacancies fresh, needing confirming, out of date.
    provider = Organisation.objects.get(name="Oakfield Care Ltd (demo)")
    run = Setting.objects.filter(provider_organisation=provider)
    assert run.filter(provision_type="childrens_home").count() == 3
    assert run.filter(provision_type="independent_fostering_agency").count() == 1
    states = sorted(
        facts.vacancy_view(v).state
        for v in Vacancy.objects.filter(setting__provider_organisation=provider)
    )
    assert states == ["expired", "fresh", "stale"]
    homes = run.filter(provision_type="childrens_home")
    assert all(h.location_from_provider and h.location is not None for h in homes)
    assert all(h.address_line_1.startswith("Demo address") for h in homes)
    assert CarerHousehold.objects.filter(setting__provider_organisation=provider).count() == 3

    # Every other home, supported accommodation and agency in the region has demo data, so a
    # search finds matches across the region; settings elsewhere have none.
    region = Setting.objects.filter(
        status=Setting.Status.ACTIVE, local_authority__parent__gss_code=DEMO_REGION_CODE
    )
    homes = region.filter(provision_type__in=["childrens_home", "supported_accommodation"])
    assert homes.count() > 100
    assert not homes.filter(location__isnull=True).exists()
    assert not homes.filter(eligibility__isnull=True).exists()
    assert not homes.filter(vacancy__isnull=True).exists()
    others = homes.exclude(provider_organisation=provider)
    assert all(a == DEMO_ADDRESS_LINE for a in others.values_list("address_line_1", flat=True))
    agencies = region.filter(provision_type="independent_fostering_agency")
    assert not agencies.filter(households__isnull=True).exists()
    # Cheshire West and Chester's too (its bus timetable is the one in the shared data); no
    # setting elsewhere.
    chester = Setting.objects.filter(
        status=Setting.Status.ACTIVE,
        local_authority__gss_code=DEMO_TRANSIT_LA_CODE,
        provision_type__in=["childrens_home", "supported_accommodation"],
    )
    assert chester.exists() and not chester.filter(eligibility__isnull=True).exists()
    assert (
        not Eligibility.objects.exclude(setting__in=region)
        .exclude(setting__in=chester)
        .exclude(setting__local_authority__gss_code=DEMO_TRANSIT_LA_CODE)
        .exists()
    )
    demo_located = Setting.objects.filter(address_line_1=DEMO_ADDRESS_LINE)
    assert (
        not demo_located.exclude(local_authority__parent__gss_code=DEMO_REGION_CODE)
        .exclude(local_authority__gss_code=DEMO_TRANSIT_LA_CODE)
        .exists()
    )
    assert Postcode.objects.filter(postcode__startswith="CH1 ").exists()
    # The demo officer's Chester request: school by bus leaving 08:00, grandmother by car.
    transit = PlacementRequest.objects.get(reference=DEMO_TRANSIT_REFERENCE)
    assert [(p.label, p.mode, p.max_minutes) for p in transit.places.all()] == [
        ("school", "public_transport", 45),
        ("grandmother", "car", 30),
    ]
    assert transit.created_by.email == "placement.officer@example.org"
    assert f"{demo_located.count()} demo locations" in out

    # More demo providers on the service, named after the Ofsted owner of the settings they run,
    # so that a search for a child in Rutland finds several homes that can be sent a referral.
    demo_providers = Organisation.objects.filter(
        kind=Organisation.Kind.PROVIDER, name__endswith=" (demo)"
    ).exclude(pk=provider.pk)
    assert demo_providers.count() == 20
    for organisation in demo_providers:
        owner = organisation.name.removesuffix(" (demo)")
        assert "council" not in owner.lower()
        assert set(organisation.settings.values_list("owner_name", flat=True)) == {owner}
    on_service = region.filter(provider_organisation__in=demo_providers).count()
    assert on_service > 100
    assert (
        f"Put {on_service} of the region's settings on the service: 20 demo providers, named "
        "after their owners on Ofsted's list (marked demo)" in out
    )
    request = PlacementRequest.objects.create(
        organisation=Organisation.objects.get(gss_code=DEMO_LA_CODE),
        reference="DEMO-1",
        age_years=14,
        sex="female",
        urgency="within_5_days",
        placement_kind="planned",
        accommodation=["residential"],
    )
    school = postcode_lookup("LE15 6AB")
    PlaceThatMatters.objects.create(
        request=request,
        label="School",
        postcode=school.postcode,
        point=school.point,
        max_minutes=45,
        position=0,
    )
    result = setting_match(request=request, criteria=SearchCriteria(area="region"))
    referable = [
        m for m in result.matches if m.confirmed and m.setting.provider_organisation_id is not None
    ]
    assert result.funnel["on_service"] == len(referable) >= 3
    assert all(m.setting.provision_type == "childrens_home" for m in referable)

    # The demo framework: three lots, settings run on the service as members, with demo rates.
    from commissioning.models import Membership

    members = Membership.objects.filter(setting__provider_organisation__isnull=False).count()
    assert members == Membership.objects.count() > 0
    assert f"Put {members} settings on the demo framework's 3 lots" in out

    call_command("seed_demo")  # again: same data, nothing doubled, nothing re-imported
    out = capsys.readouterr().out
    assert "demo framework" not in out
    assert Membership.objects.count() == members
    assert "Imported" not in out
    assert "demo locations" not in out  # nothing more to give
    assert "on the service" not in out
    assert region.filter(provider_organisation__in=demo_providers).count() == on_service
    assert Organisation.objects.filter(kind=Organisation.Kind.PROVIDER).count() == 21
    assert Organisation.objects.filter(kind=Organisation.Kind.LOCAL_AUTHORITY).count() == 11
    assert User.objects.count() == 8  # one per role, and the North West hub's two
    assert PlacementRequest.objects.filter(reference=DEMO_TRANSIT_REFERENCE).count() == 1


def test_seed_demo_is_refused_where_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="not allowed"):
        call_command("seed_demo")
    assert not User.objects.exists()
