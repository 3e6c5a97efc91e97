"""Demo data: a real region with real member authorities and one user per role.

Only for development and demonstrations; refused unless settings.DEMO_DATA_ALLOWED is true.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from brokerage.models import Organisation, Region, Role, User
from geo.models import Area, Postcode
from geo.postcodes import postcodes_load
from geo.services import boundaries_load
from providers.models import OfstedImport
from providers.services import ofsted_import, source_read

DEMO_REGION_CODE = "E12000004"  # East Midlands: Rutland's road network is in ../shared/data/osm
DEMO_LA_CODE = "E06000017"  # Rutland
DEMO_PASSWORD = "demo-placement-2026"  # noqa: S105 - printed for the demo on purpose
BOUNDARY_FILES = ("england_rgn_2025_bsc.geojson", "england_utla_2025_bsc.geojson")
# Postcode areas covering the East Midlands' authorities (and their neighbours' edges).
DEMO_POSTCODE_AREAS = ("LE", "NG", "DE", "LN", "NN", "PE")


@dataclass
class DemoReport:
    logins: list[DemoLogin]
    postcodes_loaded: int | None
    settings_imported: int | None


@dataclass
class DemoLogin:
    role: str
    email: str
    organisation: str


class DemoRefused(Exception):
    pass


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
    settings_imported = None
    if not OfstedImport.objects.filter(status=OfstedImport.Status.COMMITTED).exists():
        _, summary = ofsted_import(
            source=source_read(settings.DEMO_OFSTED),
            commit=True,
            origin=OfstedImport.Origin.COMMAND,
        )
        settings_imported = summary.created
    return DemoReport(
        logins=logins, postcodes_loaded=postcodes, settings_imported=settings_imported
    )


@transaction.atomic
def demo_people_seed() -> list[DemoLogin]:
    """Create (or bring back to its demo state) the demo region. Safe to run again."""
    if not settings.DEMO_DATA_ALLOWED:
        raise DemoRefused("Demo data is not allowed here (DEMO_DATA_ALLOWED is false).")
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
    provider, _ = Organisation.objects.get_or_create(
        region=region, kind=Organisation.Kind.PROVIDER, name="Oakfield Care Ltd (demo)"
    )
    people = [
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
