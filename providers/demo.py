"""Demo data for settings: plausible private locations and provider facts, plainly marked.

Only for development, demonstrations and the benchmark; refused unless
settings.DEMO_DATA_ALLOWED is true. Neither function ever changes what is already there: a
setting with a location keeps it, one with criteria, a vacancy or carer households keeps them.

- `demo_locations_seed`: Ofsted withholds children's homes' (and other private settings')
  addresses, so until their providers give one they have no location and travel times cannot be
  measured to them. This gives each a real postcode inside its own local authority, chosen from
  a per-authority sample by a hash of its URN, with an address line that says it is not real.
- `demo_facts_seed`: criteria (Eligibility), vacancies and anonymous carer households, varied
  and deterministic for a seed, with "Demo data" in what the provider offers.

Rows are written with bulk_create (the per-row services in providers/facts.py would take
minutes for England's 5,000 settings). Their history rows are written too, in bulk
(django-simple-history's bulk_create_with_history, change reason "Demo data"), so a setting's
history page starts where its facts do; it costs one more insert per table.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.gis.geos import Polygon
from django.db import transaction
from django.db.models import Avg, Count, F, FloatField, Func, OuterRef, Q, Subquery
from django.db.models.functions import MD5
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from common.demo import require_demo_allowed
from geo.models import Postcode
from providers.models import (
    PRIVATE_LOCATION_TYPES,
    Capability,
    CarerHousehold,
    Communication,
    Eligibility,
    Need,
    PlacementKind,
    Risk,
    Setting,
    Vacancy,
)

DEMO_ADDRESS_LINE = "Demo location: not the real address"
DEMO_CHANGE_REASON = "Demo data"
DEMO_HOUSEHOLD_PREFIX = "DEMO-"  # never clashes with a provider's own H-001…
DEFAULT_SEED = 2026

# How many postcodes each authority's sample holds: a setting's slot is a hash of its URN modulo
# the sample size, so a URN keeps its postcode while the sample does (an authority with more
# than 250 private settings gets a bigger one), and a taken slot moves to the next free one, so
# no two settings share a postcode.
SAMPLE_MIN = 1000
SAMPLE_PER_SETTING = 4

HOMES = ("childrens_home", "residential_special_school_childrens_home")
SUPPORTED = "supported_accommodation"
AGENCY = "independent_fostering_agency"
FACT_TYPES = (*HOMES, SUPPORTED, AGENCY)
VACANCY_TYPES = (*HOMES, SUPPORTED)

# Carer households live within this distance of their agency's own postcode.
HOUSEHOLD_RADIUS_KM = 35.0
HOUSEHOLDS_PER_AGENCY = (5, 40)


class _DryRun(Exception):
    """Raised inside the transaction to undo a dry run."""


def _in_scope(queryset: Any, local_authority_codes: Sequence[str] | None) -> Any:
    if local_authority_codes is None:
        return queryset
    return queryset.filter(local_authority__gss_code__in=list(local_authority_codes))


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


# Locations ---------------------------------------------------------------------------------------


@dataclass
class DemoLocationsSummary:
    local_authorities: list[str] | None  # None: all of England
    settings: int = 0  # active private-location settings in scope
    updated: int = 0  # given a demo location
    unchanged: int = 0  # already had a location: left alone
    rejected: int = 0  # no local authority, or none of its postcodes are loaded
    committed: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def demo_locations_seed(
    *, local_authority_codes: Sequence[str] | None, commit: bool
) -> DemoLocationsSummary:
    """Give every active private-location setting without a location a real postcode inside its
    own local authority, marked as a demo address. `local_authority_codes`: upper-tier GSS
    codes, None for all of England. Without `commit`, does the work and rolls it back."""
    require_demo_allowed()
    started = time.perf_counter()
    codes = None if local_authority_codes is None else sorted(set(local_authority_codes))
    summary = DemoLocationsSummary(local_authorities=codes, committed=commit)
    try:
        with transaction.atomic():
            _locations(summary, codes)
            if not commit:
                raise _DryRun
    except _DryRun:
        pass
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _locations(summary: DemoLocationsSummary, codes: list[str] | None) -> None:
    private = _in_scope(
        Setting.objects.filter(
            status=Setting.Status.ACTIVE, provision_type__in=list(PRIVATE_LOCATION_TYPES)
        ),
        codes,
    )
    summary.settings = private.count()
    summary.unchanged = private.filter(location__isnull=False).count()
    wanted = list(
        private.filter(location__isnull=True)
        .select_related("local_authority")
        .order_by("urn")
        .only("pk", "urn", "local_authority__gss_code")
    )
    by_la: dict[str, list[Setting]] = defaultdict(list)
    for setting in wanted:
        if setting.local_authority is None:
            summary.rejected += 1
        else:
            by_la[setting.local_authority.gss_code].append(setting)
    if not by_la:
        return
    # Postcodes settings in these authorities already stand on, so none is stacked on them.
    taken = set(
        Setting.objects.filter(
            local_authority__gss_code__in=list(by_la), location__isnull=False
        ).values_list("postcode", flat=True)
    )
    chosen: dict[int, str] = {}
    for code, la_settings in sorted(by_la.items()):
        sample = _postcode_sample(code, max(SAMPLE_MIN, SAMPLE_PER_SETTING * len(la_settings)))
        if not sample:
            summary.rejected += len(la_settings)
            continue
        for setting in la_settings:
            postcode = _free_slot(sample, _hash(setting.urn), taken)
            taken.add(postcode)
            chosen[setting.pk] = postcode
    # Two statements rather than one bulk_update of every field: Django's CASE WHEN per field
    # and row took 10 s for England's 5,000 settings. The point comes from the postcode in SQL.
    # Both are filtered on "no location", so nothing located meanwhile is overwritten.
    unlocated = Setting.objects.filter(location__isnull=True)
    unlocated.bulk_update(
        [Setting(pk=pk, postcode=postcode) for pk, postcode in chosen.items()],
        ["postcode"],
        batch_size=500,
    )
    summary.updated = unlocated.filter(pk__in=list(chosen)).update(
        location=Subquery(
            Postcode.objects.filter(postcode=OuterRef("postcode")).values("point")[:1]
        ),
        address_line_1=DEMO_ADDRESS_LINE,
        location_from_provider=True,
        updated_at=timezone.now(),
    )


def _free_slot(sample: list[str], start: int, taken: set[str]) -> str:
    """The URN's slot in the sample, or the next postcode along that nobody stands on (the
    slot itself when every postcode is taken: a tiny authority with many settings)."""
    for step in range(len(sample)):
        postcode = sample[(start + step) % len(sample)]
        if postcode not in taken:
            return postcode
    return sample[start % len(sample)]


def _postcode_sample(code: str, size: int) -> list[str]:
    """An authority's first `size` postcodes in md5 order: spread over the whole authority, and
    the same for the same postcode directory (so a URN keeps its slot). One query per authority
    keeps it to a top-N per authority rather than a sort of all England's postcodes."""
    return list(
        Postcode.objects.filter(utla_code=code)
        .order_by(MD5("postcode"))
        .values_list("postcode", flat=True)[:size]
    )


# Facts -------------------------------------------------------------------------------------------


@dataclass
class FactCounts:
    created: int = 0
    unchanged: int = 0  # already had them: left alone
    rejected: int = 0


@dataclass
class DemoFactsSummary:
    local_authorities: list[str] | None
    seed: int
    settings: int = 0  # active homes, supported accommodation and agencies in scope
    eligibility: FactCounts = field(default_factory=FactCounts)
    vacancies: FactCounts = field(default_factory=FactCounts)
    # Agencies given households (created), already with some (unchanged), or with nowhere to
    # put them (rejected: no location, and no postcodes loaded for its district or authority).
    agencies: FactCounts = field(default_factory=FactCounts)
    households_created: int = 0
    committed: bool = False
    seconds: float = 0.0

    @property
    def created(self) -> int:
        return self.eligibility.created + self.vacancies.created + self.households_created

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def demo_facts_seed(
    *,
    local_authority_codes: Sequence[str] | None,
    commit: bool,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
) -> DemoFactsSummary:
    """Criteria for every active children's home, residential special school children's home,
    supported accommodation and fostering agency without them; a vacancy for every home and
    supported accommodation without one (0–3 places, confirmed 0–20 days ago); 5–40 anonymous
    carer households near each agency without any. Deterministic for a seed: each setting's
    facts come from a random generator seeded with the seed and its URN. Without `commit`, does
    the work and rolls it back."""
    require_demo_allowed()
    started = time.perf_counter()
    codes = None if local_authority_codes is None else sorted(set(local_authority_codes))
    summary = DemoFactsSummary(local_authorities=codes, seed=seed, committed=commit)
    try:
        with transaction.atomic():
            _facts(summary, codes, seed, now or timezone.now())
            if not commit:
                raise _DryRun
    except _DryRun:
        pass
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _facts(summary: DemoFactsSummary, codes: list[str] | None, seed: int, now: datetime) -> None:
    in_scope = list(
        _in_scope(
            Setting.objects.filter(status=Setting.Status.ACTIVE, provision_type__in=FACT_TYPES),
            codes,
        )
        .select_related("local_authority")
        .order_by("urn")
        .only(
            "pk",
            "urn",
            "provision_type",
            "places",
            "postcode",
            "location",
            "local_authority__gss_code",
        )
    )
    summary.settings = len(in_scope)
    ids = [s.pk for s in in_scope]
    with_eligibility = set(
        Eligibility.objects.filter(setting_id__in=ids).values_list("setting_id", flat=True)
    )
    with_vacancy = set(
        Vacancy.objects.filter(setting_id__in=ids).values_list("setting_id", flat=True)
    )
    with_households = set(
        CarerHousehold.objects.filter(setting_id__in=ids).values_list("setting_id", flat=True)
    )

    eligibilities: list[Eligibility] = []
    vacancies: list[Vacancy] = []
    agencies: list[Setting] = []
    for setting in in_scope:
        if setting.pk in with_eligibility:
            summary.eligibility.unchanged += 1
        else:
            eligibilities.append(_eligibility(setting, _rng(seed, setting, "e")))
        if setting.provision_type in VACANCY_TYPES:
            if setting.pk in with_vacancy:
                summary.vacancies.unchanged += 1
            else:
                criteria = eligibilities[-1] if setting.pk not in with_eligibility else None
                vacancies.append(_vacancy(setting, _rng(seed, setting, "v"), now, criteria))
        elif setting.provision_type == AGENCY:
            if setting.pk in with_households:
                summary.agencies.unchanged += 1
            else:
                agencies.append(setting)

    households: list[CarerHousehold] = []
    origins = _agency_origins(agencies)
    districts = _districts_near(list(origins.values())) if origins else []
    for agency in agencies:
        near = _nearby_districts(origins[agency.pk], districts) if agency.pk in origins else []
        if not near:
            summary.agencies.rejected += 1
            continue
        households.extend(_households(agency, near, _rng(seed, agency, "h")))
        summary.agencies.created += 1

    _bulk_create(eligibilities, Eligibility)
    _bulk_create(vacancies, Vacancy)
    _bulk_create(households, CarerHousehold)
    summary.eligibility.created = len(eligibilities)
    summary.vacancies.created = len(vacancies)
    summary.households_created = len(households)


def _rng(seed: int, setting: Setting, part: str) -> random.Random:
    """One generator per setting and kind of fact: a setting's demo facts depend on the seed and
    its URN only, not on which other settings are seeded with it."""
    return random.Random(f"{seed}:{setting.urn}:{part}")  # noqa: S311 - demo data, not secrets


def _bulk_create(objects: list[Any], model: Any) -> None:
    if objects:
        bulk_create_with_history(
            objects, model, batch_size=1000, default_change_reason=DEMO_CHANGE_REASON
        )


def _pick(rng: random.Random, weighted: dict[Any, float]) -> Any:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


# Per risk and need: the chances of can meet, will consider and cannot meet for a typical
# setting. Fire-setting, sexual harm to others and harm to animals are what homes most often
# turn down; self-harm and going missing what most say they can meet.
RISK_ODDS: dict[str, tuple[float, float, float]] = {
    Risk.SELF_HARM: (0.45, 0.40, 0.15),
    Risk.SEXUAL_EXPLOITATION: (0.35, 0.45, 0.20),
    Risk.CRIMINAL_EXPLOITATION: (0.35, 0.45, 0.20),
    Risk.DRUGS_AND_ALCOHOL: (0.35, 0.45, 0.20),
    Risk.EATING_DISORDER: (0.20, 0.45, 0.35),
    Risk.GOING_MISSING: (0.50, 0.38, 0.12),
    Risk.PHYSICAL_HARM_TO_OTHERS: (0.30, 0.45, 0.25),
    Risk.SEXUAL_HARM_TO_OTHERS: (0.10, 0.35, 0.55),
    Risk.FIRE_SETTING: (0.10, 0.30, 0.60),
    Risk.HARM_TO_ANIMALS: (0.15, 0.35, 0.50),
    Risk.CRIMINAL_EXPLOITATION_OF_OTHERS: (0.15, 0.40, 0.45),
}
NEED_ODDS: dict[str, tuple[float, float, float]] = {
    Need.AUTISM: (0.40, 0.40, 0.20),
    Need.LEARNING_DISABILITY: (0.35, 0.40, 0.25),
    Need.MENTAL_HEALTH: (0.35, 0.45, 0.20),
    Need.PHYSICAL_DISABILITY: (0.10, 0.30, 0.60),
    Need.SUBSTANCE_MISUSE: (0.25, 0.45, 0.30),
    Need.PARENTING: (0.02, 0.08, 0.90),
}
UNSTATED = 0.04  # a risk or need the provider has not answered for

OFFERS = (
    "a small home with its own education support",
    "a therapeutic home with a clinical psychologist on the team",
    "a home close to schools and a college, with evening and weekend activities",
    "a rural home with outdoor learning and a small staff team",
    "a home experienced with children who go missing or are exploited",
    "staff trained in autism and positive behaviour support",
    "support into further education, training and work",
    "a calm home for children who need to settle before school",
)
# Free text only for what matching does not apply; sexes, ages and "solo" are structured.
RESTRICTIONS = (
    "Planned moves only",
    "Must be able to share with one other young person",
    "Introductory visit first, because of the children living here now",
)
LANGUAGES = ("Urdu", "Polish", "Punjabi", "Arabic", "Romanian", "Somali", "Bengali", "Welsh")


def _capabilities(
    rng: random.Random,
    odds: dict[str, tuple[float, float, float]],
    openness: float,
    overrides: dict[str, tuple[float, float, float]],
) -> dict[str, str]:
    """`openness` > 1: a setting that takes more complex children; < 1: a more cautious one."""
    stated = {}
    for code, base in odds.items():
        if rng.random() < UNSTATED:
            continue
        can, consider, cannot = overrides.get(code, base)
        weights = {
            Capability.CAN_MEET.value: can * openness,
            Capability.WILL_CONSIDER.value: consider,
            Capability.CANNOT_MEET.value: cannot / openness,
        }
        stated[code] = _pick(rng, weights)
    return stated


def _eligibility(setting: Setting, rng: random.Random) -> Eligibility:
    kind = setting.provision_type
    openness = _pick(rng, {0.5: 0.25, 1.0: 0.55, 1.8: 0.20})
    kinds = [PlacementKind.PLANNED.value]
    need_overrides: dict[str, tuple[float, float, float]] = {}
    risk_overrides: dict[str, tuple[float, float, float]] = {}
    adapted = False
    if kind == AGENCY:
        min_age, max_age = 0, _pick(rng, {17: 0.85, 18: 0.15})
        sexes = ["female", "male"]
        for extra, chance in (("emergency", 0.6), ("short_break", 0.4), ("parent_and_child", 0.3)):
            if rng.random() < chance:
                kinds.append(extra)
        # Some agencies recruit carers for children who must be the only child in the home.
        living = _pick(
            rng, {"with_others": 0.75, "solo_only": 0.15, "only_older": 0.05, "only_younger": 0.05}
        )
        pets = rng.random() < 0.5
        dol = rng.random() < 0.05
        adapted = rng.random() < 0.1
        if "parent_and_child" in kinds:
            need_overrides[Need.PARENTING] = (0.6, 0.3, 0.1)
    elif kind == SUPPORTED:
        min_age, max_age = 16, 17
        sexes = _pick(rng, {("female", "male"): 0.7, ("female",): 0.15, ("male",): 0.15})
        if rng.random() < 0.5:
            kinds.append("emergency")
        if rng.random() < 0.1:
            kinds.append("parent_and_child")
            need_overrides[Need.PARENTING] = (0.6, 0.3, 0.1)
        living = _pick(rng, {"with_others": 0.8, "solo_only": 0.2})
        pets = rng.random() < 0.05
        dol = False
        adapted = rng.random() < 0.05
    else:
        special = kind == "residential_special_school_childrens_home"
        min_age = _pick(rng, {5: 0.05, 8: 0.15, 10: 0.2, 11: 0.25, 12: 0.15, 13: 0.2})
        max_age = _pick(rng, {16: 0.1, 17: 0.8, 18: 0.1}) if not special else 19
        sexes = _pick(rng, {("female", "male"): 0.6, ("female",): 0.2, ("male",): 0.2})
        if rng.random() < 0.4:
            kinds.append("emergency")
        if rng.random() < (0.5 if special else 0.08):
            kinds.append("short_break")
        living = _pick(
            rng, {"with_others": 0.65, "solo_only": 0.15, "only_older": 0.1, "only_younger": 0.1}
        )
        pets = rng.random() < 0.15
        dol = rng.random() < 0.2
        adapted = rng.random() < (0.35 if special else 0.08)
        if special:
            need_overrides[Need.AUTISM] = (0.8, 0.15, 0.05)
            need_overrides[Need.LEARNING_DISABILITY] = (0.8, 0.15, 0.05)
            risk_overrides[Risk.SEXUAL_EXPLOITATION] = (0.2, 0.4, 0.4)
    if adapted:
        need_overrides[Need.PHYSICAL_DISABILITY] = (0.7, 0.25, 0.05)
    communication = [
        code
        for code, chance in ((Communication.BSL, 0.05), (Communication.MAKATON, 0.15))
        if rng.random() < chance * (3 if adapted else 1)
    ] + ([Communication.ESOL.value] if rng.random() < 0.2 else [])
    return Eligibility(
        setting=setting,
        min_age=min_age,
        max_age=max_age,
        sexes=list(sexes),
        placement_kinds=kinds,
        minimum_notice_days=_pick(rng, {0: 0.3, 1: 0.15, 2: 0.15, 3: 0.1, 5: 0.1, 7: 0.1, 14: 0.1}),
        living_alongside=living,
        accepts_pets=pets,
        can_meet_deprivation_of_liberty=dol,
        communication=[str(c) for c in communication],
        adapted_for_physical_disability=adapted,
        risks=_capabilities(rng, RISK_ODDS, openness, risk_overrides),
        needs=_capabilities(rng, NEED_ODDS, openness, need_overrides),
        what_we_offer=f"Demo data: not the provider's words. {rng.choice(OFFERS).capitalize()}.",
    )


def _vacancy(
    setting: Setting, rng: random.Random, now: datetime, criteria: Eligibility | None = None
) -> Vacancy:
    places = _pick(rng, {0: 0.35, 1: 0.35, 2: 0.2, 3: 0.1})
    if setting.places is not None:
        places = min(places, setting.places)
    # About half fresh, a quarter needing confirming, a quarter out of date (7 and 14 days).
    days = _pick(
        rng, {d: (0.55 / 7 if d < 7 else 0.25 / 7 if d < 14 else 0.2 / 7) for d in range(21)}
    )
    confirmed_at = now - timedelta(days=days, minutes=rng.randrange(0, 8 * 60))
    available_from: date | None = None
    restriction = ""
    if places:
        if rng.random() < 0.15:
            available_from = timezone.localdate(now) + timedelta(days=rng.randrange(1, 15))
        if rng.random() < 0.15:
            restriction = rng.choice(RESTRICTIONS)
    vacancy = Vacancy(
        setting=setting,
        places=places,
        available_from=available_from,
        restriction=restriction,
        confirmed_at=confirmed_at,
    )
    if places and criteria is not None and rng.random() < 0.25:
        _restrict(vacancy, criteria, rng)
    return vacancy


def _restrict(vacancy: Vacancy, criteria: Eligibility, rng: random.Random) -> None:
    """One structured restriction, always within the setting's own criteria."""
    kind = rng.choice(("sex", "ages", "solo"))
    low, high = max(criteria.min_age, 13), min(criteria.max_age, 16)
    if kind == "sex" and len(criteria.sexes) > 1:
        vacancy.sexes = [rng.choice(sorted(criteria.sexes))]
    elif kind == "ages" and low <= high:
        vacancy.min_age, vacancy.max_age = low, high
    else:
        vacancy.solo_only = True


@dataclass(frozen=True)
class _District:
    code: str
    x: float  # longitude
    y: float  # latitude
    postcodes: int


def _agency_origins(agencies: list[Setting]) -> dict[int, tuple[float, float]]:
    """Where each agency's carers live around (longitude, latitude): its own location, else
    the middle of its postcode's district, else of its local authority (an agency whose
    postcode is not loaded, as in the demo database with only the region's postcodes)."""
    coordinate = {"output_field": FloatField()}
    middle = {
        "x": Avg(Func(F("point"), function="ST_X", **coordinate)),
        "y": Avg(Func(F("point"), function="ST_Y", **coordinate)),
    }
    origins: dict[int, tuple[float, float]] = {}
    for agency in agencies:
        if agency.location is not None:
            origins[agency.pk] = (agency.location.x, agency.location.y)
            continue
        lookups = []
        if agency.postcode_district:
            # A prefix search on the primary key uses its index; the district column has none.
            lookups.append(Q(postcode__startswith=f"{agency.postcode_district} "))
        if agency.local_authority is not None:
            lookups.append(Q(utla_code=agency.local_authority.gss_code))
        for lookup in lookups:
            found = Postcode.objects.filter(lookup).aggregate(**middle)
            if found["x"] is not None:
                origins[agency.pk] = (found["x"], found["y"])
                break
    return origins


def _districts_near(origins: list[tuple[float, float]]) -> list[_District]:
    """Postcode districts and the middle of their postcodes, from geo.Postcode itself (which
    every database with postcodes has), within a box around the agencies."""
    margin_x, margin_y = 0.65, 0.4  # about 45 km in England
    xs, ys = [x for x, _ in origins], [y for _, y in origins]
    box = Polygon.from_bbox(
        (min(xs) - margin_x, min(ys) - margin_y, max(xs) + margin_x, max(ys) + margin_y)
    )
    box.srid = 4326
    coordinate = {"output_field": FloatField()}
    rows = (
        Postcode.objects.filter(point__bboverlaps=box)
        .values("district")
        .annotate(
            x=Avg(Func(F("point"), function="ST_X", **coordinate)),
            y=Avg(Func(F("point"), function="ST_Y", **coordinate)),
            n=Count("postcode"),
        )
        .order_by("district")
    )
    # A district with only a handful of postcodes is a PO box range or a single site.
    return [_District(r["district"], r["x"], r["y"], r["n"]) for r in rows if r["n"] >= 20]


def _km(x1: float, y1: float, x2: float, y2: float) -> float:
    # Equirectangular: exact enough over tens of kilometres.
    dx = (x2 - x1) * math.cos(math.radians((y1 + y2) / 2)) * 111.32
    dy = (y2 - y1) * 110.57
    return math.hypot(dx, dy)


def _nearby_districts(
    origin: tuple[float, float], districts: list[_District]
) -> list[tuple[_District, float]]:
    """Districts nearest first: those within the radius, or the eight nearest when there are
    fewer than three."""
    x, y = origin
    # A cheap box in degrees first (about 45 km each way), then distances for what is in it.
    boxed = [d for d in districts if abs(d.x - x) < 0.65 and abs(d.y - y) < 0.4] or districts
    ranked = sorted(((d, _km(x, y, d.x, d.y)) for d in boxed), key=lambda pair: pair[1])
    near = [(d, km) for d, km in ranked if km <= HOUSEHOLD_RADIUS_KM]
    return near if len(near) >= 3 else ranked[:8]


def _households(
    agency: Setting, near: list[tuple[_District, float]], rng: random.Random
) -> list[CarerHousehold]:
    count = rng.randint(*HOUSEHOLDS_PER_AGENCY)
    weights = [1 / (3 + km) for _, km in near]  # most carers near the agency's office
    made = []
    for number in range(1, count + 1):
        district = rng.choices(near, weights=weights)[0][0]
        min_age = _pick(rng, {0: 0.45, 5: 0.2, 8: 0.15, 11: 0.15, 13: 0.05})
        max_age = max(min_age, _pick(rng, {4: 0.05, 11: 0.15, 15: 0.15, 17: 0.65}))
        needs = [n.value for n in Need if n != Need.PARENTING and rng.random() < 0.2]
        if rng.random() < 0.08:
            needs.append(Need.PARENTING.value)
        languages = ["English"] + ([rng.choice(LANGUAGES)] if rng.random() < 0.15 else [])
        made.append(
            CarerHousehold(
                setting=agency,
                reference=f"{DEMO_HOUSEHOLD_PREFIX}{number:03d}",
                postcode_district=district.code,
                min_age=min_age,
                max_age=max_age,
                needs=needs,
                languages=languages,
                places_now=_pick(rng, {0: 0.5, 1: 0.35, 2: 0.15}),
            )
        )
    return made
