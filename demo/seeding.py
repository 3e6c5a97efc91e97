"""Demo data: a real region with real member authorities and one user per role.

Only for development and demonstrations; refused unless settings.DEMO_DATA_ALLOWED is true.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from accounts.models import Organisation, Region, RegionProvider, Role, User
from accounts.services import region_boundary_refresh
from common.demo import require_demo_allowed
from geo.models import Area, Postcode
from geo.postcodes import postcodes_load
from geo.services import boundaries_load
from placements.models import PlacementRequest
from providers.models import OfstedImport
from providers.services import ofsted_import, source_read

DEMO_REGION_CODE = "E12000004"  # East Midlands: Rutland's road network is in ../shared/data/osm
DEMO_LA_CODE = "E06000017"  # Rutland
# A second hub in the same deployment, so that a provider working in two regions can be seen:
# the North West, with Cheshire West and Chester (whose buses are in ../shared/data/gtfs).
DEMO_SECOND_REGION_CODE = "E12000002"
DEMO_SECOND_LA_CODE = "E06000050"
DEMO_PASSWORD = "demo-placement-2026"  # noqa: S105 - printed for the demo on purpose
BOUNDARY_FILES = ("england_rgn_2025_bsc.geojson", "england_utla_2025_bsc.geojson")
# Postcode areas covering the East Midlands' authorities (and their neighbours' edges).
DEMO_POSTCODE_AREAS = ("LE", "NG", "DE", "LN", "NN", "PE")
# Public transport: the one English bus timetable in ../shared/data is Chester's, so Cheshire West
# and Chester's settings get demo locations and facts too, and its postcodes are loaded: an
# officer can search round a Chester school by bus (make demo imports the timetable).
DEMO_TRANSIT_LA_CODE = "E06000050"  # Cheshire West and Chester
DEMO_TRANSIT_POSTCODE_AREA = "CH"


@dataclass
class DemoReport:
    logins: list[DemoLogin]
    postcodes_loaded: int | None
    settings_imported: int | None
    # The region's other settings (not the demo provider's): demo locations and facts.
    demo_locations: int = 0
    # Chester's postcodes (CH), for its bus timetable: None when they were there already.
    transit_postcodes_loaded: int | None = None
    demo_criteria: int = 0
    demo_vacancies: int = 0
    demo_households: int = 0
    # More demo provider organisations, named after Ofsted's owner of the settings they run.
    demo_providers: int = 0
    demo_provider_settings: int = 0
    # Settings put on the demo framework's lots, with demo rates.
    demo_framework_members: int = 0


@dataclass
class DemoLogin:
    role: str
    email: str
    organisation: str


def _boundary_sources() -> list[str]:
    base = settings.DEMO_BOUNDARIES
    if base.startswith(("http://", "https://")):
        return [f"{base.rstrip('/')}/{name}" for name in BOUNDARY_FILES]
    return [str(Path(base) / name) for name in BOUNDARY_FILES]


def demo_seed() -> DemoReport:
    """The demo region and its people, the region's postcodes, and Ofsted's list. Safe to run
    again: what is already there is left alone."""
    logins = demo_people_seed()
    postcodes = None
    if not Postcode.objects.exists():
        postcodes = postcodes_load(areas=DEMO_POSTCODE_AREAS, commit=True).created
    transit_postcodes = None
    if not Postcode.objects.filter(postcode__startswith=DEMO_TRANSIT_POSTCODE_AREA).exists():
        # Also for a database seeded before Chester's timetable was part of the demo.
        transit_postcodes = postcodes_load(areas=(DEMO_TRANSIT_POSTCODE_AREA,), commit=True).created
    settings_imported = None
    if not OfstedImport.objects.filter(status=OfstedImport.Status.COMMITTED).exists():
        _, summary = ofsted_import(
            source=source_read(settings.DEMO_OFSTED),
            commit=True,
            origin=OfstedImport.Origin.COMMAND,
        )
        settings_imported = summary.created
    # The register and the boundaries were just bulk-loaded: without fresh planner statistics
    # the seeders' joins below are planned for empty tables (minutes instead of seconds).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE providers_setting")
        cursor.execute("ANALYZE geo_area")
        cursor.execute("ANALYZE geo_postcode")
    demo_provider_facts_seed()
    # Every other home, supported accommodation and fostering agency in the region gets a demo
    # location and demo facts, so that a search finds matches across the region. After the
    # demo provider's own, which keep theirs; both leave anything already there alone.
    from providers.demo import demo_facts_seed, demo_locations_seed

    region_las = sorted(
        Area.objects.filter(
            kind=Area.Kind.UPPER_TIER_LA, parent__gss_code=DEMO_REGION_CODE
        ).values_list("gss_code", flat=True)
    )
    demo_las = [*region_las, DEMO_TRANSIT_LA_CODE]
    locations = demo_locations_seed(local_authority_codes=demo_las, commit=True)
    facts = demo_facts_seed(local_authority_codes=demo_las, commit=True)
    providers, provider_settings = demo_providers_seed()
    framework_members = demo_frameworks_seed()
    demo_transit_request_seed()
    return DemoReport(
        logins=logins,
        postcodes_loaded=postcodes,
        transit_postcodes_loaded=transit_postcodes,
        settings_imported=settings_imported,
        demo_locations=locations.updated,
        demo_criteria=facts.eligibility.created,
        demo_vacancies=facts.vacancies.created,
        demo_households=facts.households_created,
        demo_providers=providers,
        demo_provider_settings=provider_settings,
        demo_framework_members=framework_members,
    )


@transaction.atomic
def demo_people_seed() -> list[DemoLogin]:
    """Create (or bring back to its demo state) the demo region. Safe to run again."""
    require_demo_allowed()
    if not Area.objects.filter(gss_code=DEMO_REGION_CODE).exists():
        for source in _boundary_sources():
            boundaries_load(source=source, commit=True)
    region_area = Area.objects.get(gss_code=DEMO_REGION_CODE)
    region, _ = Region.objects.get_or_create(
        name=f"{region_area.name} Regional Care Co-operative", defaults={"area": region_area}
    )
    hub, _ = Organisation.objects.get_or_create(
        region=region,
        kind=Organisation.Kind.HUB,
        defaults={"name": f"{region_area.name} Children's Commissioning Hub"},
    )
    las = {}
    for area in Area.objects.filter(kind=Area.Kind.UPPER_TIER_LA, parent=region_area):
        las[area.gss_code], _ = Organisation.objects.update_or_create(
            region=region,
            kind=Organisation.Kind.LOCAL_AUTHORITY,
            gss_code=area.gss_code,
            defaults={"name": area.name, "area": area, "member_until": None},
        )
    region_boundary_refresh(region=region)
    operator, _ = Organisation.objects.get_or_create(
        kind=Organisation.Kind.OPERATOR, defaults={"name": "Placement finder operator (demo)"}
    )
    provider, _ = Organisation.objects.get_or_create(
        region=None, kind=Organisation.Kind.PROVIDER, name="Oakfield Care Ltd (demo)"
    )
    RegionProvider.objects.get_or_create(region=region, organisation=provider)
    people = [
        (Role.NATIONAL_OPERATOR, "operator@example.org", "Omar Operator", operator),
        (Role.HUB_ADMIN, "hub.admin@example.org", "Hana Hubbard", hub),
        (Role.LA_MANAGER, "la.manager@example.org", "Lewis Manning", las[DEMO_LA_CODE]),
        (
            Role.PLACEMENT_OFFICER,
            "placement.officer@example.org",
            "Priya Officer",
            las[DEMO_LA_CODE],
        ),
        (Role.PROVIDER_ADMIN, "provider.admin@example.org", "Paul Oakfield", provider),
        (Role.PROVIDER_USER, "provider.user@example.org", "Pat Keyworker", provider),
        *_second_region_people(provider),
    ]
    logins = []
    for role, email, name, organisation in people:
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={
                "full_name": name,
                "organisation": organisation,
                "role": role,
                "is_active": True,
                "deactivated_at": None,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        logins.append(DemoLogin(role=role.label, email=email, organisation=organisation.name))
    return logins


def _second_region_people(provider: Organisation) -> list[tuple[Role, str, str, Organisation]]:
    """The North West's hub, with Cheshire West and Chester as its one member, and the demo
    provider taking part in it too: its people answer both regions' referrals."""
    area = Area.objects.filter(gss_code=DEMO_SECOND_LA_CODE).first()
    region_area = Area.objects.filter(gss_code=DEMO_SECOND_REGION_CODE).first()
    if area is None or region_area is None:
        return []
    region, _ = Region.objects.get_or_create(
        name=f"{region_area.name} Regional Care Co-operative", defaults={"area": region_area}
    )
    hub, _ = Organisation.objects.get_or_create(
        region=region,
        kind=Organisation.Kind.HUB,
        defaults={"name": f"{region_area.name} Children's Commissioning Hub"},
    )
    la, _ = Organisation.objects.update_or_create(
        region=region,
        kind=Organisation.Kind.LOCAL_AUTHORITY,
        gss_code=area.gss_code,
        defaults={"name": area.name, "area": area, "member_until": None},
    )
    region_boundary_refresh(region=region)
    RegionProvider.objects.get_or_create(region=region, organisation=provider)
    return [
        (Role.HUB_ADMIN, "hub.admin.nw@example.org", "Nadia Northwest", hub),
        (Role.PLACEMENT_OFFICER, "officer.nw@example.org", "Owen Chester", la),
    ]


DEMO_HOME_LA = "E10000018"  # Leicestershire: Rutland itself has no children's homes
DEMO_VACANCY_AGES = (1, 8, 15)  # days: fresh, needs confirming, out of date


@transaction.atomic
def demo_provider_facts_seed() -> int:
    """The demo provider runs three Leicestershire children's homes and a fostering agency, with
    criteria, vacancies of different ages and anonymous carer households. Only when it runs
    nothing yet. Returns how many settings it was given."""
    from datetime import timedelta

    from django.utils import timezone

    from providers import facts
    from providers.models import Capability, Need, Risk, Setting, Vacancy

    provider = Organisation.objects.filter(
        kind=Organisation.Kind.PROVIDER, name="Oakfield Care Ltd (demo)"
    ).first()
    admin = User.objects.filter(email="provider.admin@example.org").first()
    if (
        provider is None
        or admin is None
        or Setting.objects.filter(provider_organisation=provider).exists()
    ):
        return 0
    homes = list(
        Setting.objects.filter(
            provision_type="childrens_home",
            local_authority__gss_code=DEMO_HOME_LA,
            status=Setting.Status.ACTIVE,
            places__gte=2,
        ).order_by("urn")[:3]
    )
    agency = (
        Setting.objects.filter(
            provision_type="independent_fostering_agency",
            local_authority__parent__gss_code=DEMO_REGION_CODE,
            status=Setting.Status.ACTIVE,
        )
        .order_by("urn")
        .first()
    )
    run = [*homes, *([agency] if agency else [])]
    Setting.objects.filter(pk__in=[s.pk for s in run]).update(provider_organisation=provider)
    for index, home in enumerate(homes):
        home.refresh_from_db()
        facts.eligibility_update(
            actor=admin,
            setting=home,
            min_age=[8, 11, 13][index],
            max_age=17,
            sexes=[["female", "male"], ["female"], ["male"]][index],
            placement_kinds=["planned", "emergency"] if index != 1 else ["planned"],
            minimum_notice_days=[0, 3, 1][index],
            living_alongside=["with_others", "only_younger", "solo_only"][index],
            risks={r.value: Capability.WILL_CONSIDER for r in Risk}
            | {"fire_setting": Capability.CANNOT_MEET},
            needs={n.value: Capability.CAN_MEET for n in Need}
            | {"parenting": Capability.CANNOT_MEET},
            what_we_offer="Demo data: a small home with its own education support.",
        )
        facts.vacancy_confirm(
            actor=admin,
            setting=home,
            places=1,
            # The first home's place is for a girl of 13 to 16: matching applies it.
            sexes=[] if index else ["female"],
            min_age=None if index else 13,
            max_age=None if index else 16,
        )
        Vacancy.objects.filter(setting=home).update(
            confirmed_at=timezone.now() - timedelta(days=DEMO_VACANCY_AGES[index])
        )
        # Ofsted withholds homes' addresses; the demo gives each a real Leicestershire postcode
        # and says plainly that the address is not real.
        postcode = (
            Postcode.objects.filter(utla_code=DEMO_HOME_LA)
            .order_by("postcode")
            .values_list("postcode", flat=True)[index * 500 : index * 500 + 1]
        ).first()
        if postcode:
            facts.setting_location_update(
                actor=admin,
                setting=home,
                address_line_1="Demo address: not a real children's home",
                postcode=postcode,
            )
    if agency is not None:
        agency.refresh_from_db()
        for number, (district, places) in enumerate((("LE1", 1), ("LE4", 2), ("LE15", 1)), 1):
            if Postcode.objects.filter(postcode__startswith=f"{district} ").exists():
                facts.household_save(
                    actor=admin,
                    setting=agency,
                    reference=f"H-{number:03d}",
                    postcode_district=district,
                    min_age=0,
                    max_age=17,
                    needs=["autism"] if number == 2 else [],
                    languages=["English"],
                    places_now=places,
                )
    return len(run)


# Owners ranked by how many of their settings lie within this distance of the demo LA's middle,
# so that a demo search for a child in Rutland finds several homes that can be sent a referral.
DEMO_PROVIDER_OWNERS = 20
DEMO_PROVIDER_RADIUS_KM = 45
DEMO_PROVIDER_SUFFIX = " (demo)"
DEMO_PROVIDER_TYPES = (
    "childrens_home",
    "residential_special_school_childrens_home",
    "supported_accommodation",
    "independent_fostering_agency",
)


@transaction.atomic
def demo_providers_seed() -> tuple[int, int]:
    """Demo provider organisations on the service, each named after an owner on Ofsted's list
    with " (demo)", running that owner's open settings in the region that no organisation runs
    yet. The owners are those with the most settings near the demo LA (councils left out: their
    homes are the LAs' own), so searches there find referable homes. Needs the settings' demo
    locations. Returns (organisations created, settings given to them); (0, 0) when run again."""
    from django.contrib.gis.measure import D
    from django.db.models import Count

    from providers.models import Setting

    require_demo_allowed()
    region = Region.objects.filter(area__gss_code=DEMO_REGION_CODE).first()
    demo_la = Area.objects.filter(gss_code=DEMO_LA_CODE).first()
    if region is None or demo_la is None:
        return 0, 0
    in_region = Setting.objects.filter(
        status=Setting.Status.ACTIVE,
        provision_type__in=DEMO_PROVIDER_TYPES,
        local_authority__parent__gss_code=DEMO_REGION_CODE,
    ).exclude(owner_name="")
    near = in_region.filter(
        location__distance_lte=(demo_la.boundary.centroid, D(km=DEMO_PROVIDER_RADIUS_KM))
    ).exclude(owner_name__icontains="council")
    owners = [
        row["owner_name"]
        for row in near.values("owner_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "owner_name")[:DEMO_PROVIDER_OWNERS]
    ]
    created = given = 0
    for owner in owners:
        organisation, made = Organisation.objects.get_or_create(
            region=None, kind=Organisation.Kind.PROVIDER, name=f"{owner}{DEMO_PROVIDER_SUFFIX}"
        )
        RegionProvider.objects.get_or_create(region=region, organisation=organisation)
        created += made
        given += in_region.filter(owner_name=owner, provider_organisation__isnull=True).update(
            provider_organisation=organisation
        )
    return created, given


DEMO_FRAMEWORK_NAME = "East Midlands residential and supported framework (demo)"
# (number, name, kind of placement, ages, how many members, whether rates carry a solo premium)
DEMO_LOTS = (
    (1, "Children's homes (demo)", "residential", (8, 17), 8, False),
    (2, "Children's homes for complex needs, solo (demo)", "residential", (10, 17), 4, True),
    (3, "Supported accommodation for 16 and 17 (demo)", "supported", (16, 17), 4, False),
)
# Demo weekly rates by need level: a base that varies by setting, and each band's uplift.
DEMO_RATE_UPLIFT = {"standard": 0, "enhanced": 900, "complex": 2200, "specialist": 3800}


def demo_frameworks_seed() -> int:
    """The demo region's one framework (marked demo): three lots, and as members the settings the
    region's providers on the service run, with demo weekly rates by need level. Settings are
    taken in URN order, so the same ones each time. Returns the memberships created (0 when run
    again)."""
    import datetime as dt
    from decimal import Decimal

    from commissioning.models import Framework, Lot, Membership, Rate
    from providers.models import ACCOMMODATION_PROVISION_TYPES, Setting

    require_demo_allowed()
    region = Region.objects.filter(area__gss_code=DEMO_REGION_CODE).first()
    if region is None:
        return 0
    starts, ends = dt.date(2025, 4, 1), dt.date(2029, 3, 31)
    framework, _ = Framework.objects.get_or_create(
        region=region,
        name=DEMO_FRAMEWORK_NAME,
        defaults={
            "kind": Framework.Kind.FRAMEWORK,
            "reference": "DEMO-2025-01",
            "starts_on": starts,
            "ends_on": ends,
        },
    )
    created = 0
    for number, name, accommodation, (min_age, max_age), members, solo in DEMO_LOTS:
        lot, _ = Lot.objects.get_or_create(
            framework=framework,
            number=number,
            defaults={
                "name": name,
                "accommodation": accommodation,
                "min_age": min_age,
                "max_age": max_age,
                "starts_on": starts,
                "ends_on": ends,
            },
        )
        settings_ = Setting.objects.filter(
            status=Setting.Status.ACTIVE,
            provision_type__in=ACCOMMODATION_PROVISION_TYPES[accommodation],
            provider_organisation__region_links__region=region,
        ).order_by("urn")[:members]
        for setting in settings_:
            membership, made = Membership.objects.get_or_create(
                lot=lot, setting=setting, defaults={"joined_on": starts}
            )
            if not made:
                continue
            created += 1
            base = Decimal(4800 + sum(map(ord, setting.urn)) % 9 * 100 + number * 250)
            for level, uplift in DEMO_RATE_UPLIFT.items():
                Rate.objects.create(
                    membership=membership,
                    need_level=level,
                    weekly_rate=base + uplift,
                    includes=["core", "education"] if level != "standard" else ["core"],
                    solo_premium=Decimal(950) if solo else None,
                )
    return created


# Not "DEMO-…": seed_demo_requests takes that prefix to mean its own requests are there.
DEMO_TRANSIT_REFERENCE = "CHESTER-BUS-1"
# Chester's Town Hall and a street north of the city: the school the child goes to by bus and
# their grandmother's, by car.
DEMO_TRANSIT_SCHOOL_NEAR = (-2.8919, 53.1910)
DEMO_TRANSIT_FAMILY_NEAR = (-2.8700, 53.2120)


def demo_transit_request_seed() -> PlacementRequest | None:
    """The demo officer's request for a child at school in Chester: school by bus leaving 08:00
    (45 minutes at most), grandmother by car (30). Only once; None when it is already there or
    Chester's postcodes are not loaded."""
    import random

    from django.contrib.gis.geos import Point

    from demo.requests import child_profile
    from geo.modes import TravelMode
    from placements.services import placement_request_create

    officer = User.objects.filter(email="placement.officer@example.org").first()
    if (
        officer is None
        or PlacementRequest.objects.filter(reference=DEMO_TRANSIT_REFERENCE).exists()
    ):
        return None

    def nearest(lon_lat: tuple[float, float], district_prefix: str) -> str | None:
        from django.contrib.gis.db.models.functions import Distance

        found = (
            Postcode.objects.filter(postcode__startswith=district_prefix)
            .annotate(metres=Distance("point", Point(*lon_lat, srid=4326)))
            .order_by("metres")
            .values_list("postcode", flat=True)
            .first()
        )
        return found

    school = nearest(DEMO_TRANSIT_SCHOOL_NEAR, "CH1 ")
    family = nearest(DEMO_TRANSIT_FAMILY_NEAR, "CH2 ")
    if school is None or family is None:
        return None
    profile = child_profile(random.Random(2026), hard=False)  # noqa: S311 - demo data
    # A child most of Chester's demo homes could take, so the officer sees journeys by bus.
    profile.update(age_years=13, accommodation=["residential"], needs=[], risks=[])
    return placement_request_create(
        actor=officer,
        places=[
            ("school", school, 45, TravelMode.PUBLIC_TRANSPORT, None, "weekday"),
            ("grandmother", family, 30, TravelMode.CAR),
        ],
        areas_to_avoid=(),
        reference=DEMO_TRANSIT_REFERENCE,
        home_district=family.split(" ")[0],
        **profile,
    )
