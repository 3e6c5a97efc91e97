"""Real credentials for `make fuzz` and `make load`, in the scratch database: run by
scratch.py with DATABASE_URL pointing there, after seed_demo. Prints one JSON object.

- one provider admin per demo provider organisation that runs settings (up to --providers), the
  first the seeded provider.admin@example.org, each with an API key (`facts.api_token_create`)
  and the URNs its organisation runs (for the leak check);
- --officers placement officers of Rutland (the seeded one and copies), each with an API key too
  (the Placements Data Standard import takes an LA officer's key), signing in over HTTP later;
- the hub admin.

Every extra user has the demo password (its hash copied: hashing it again for each would take
longer than the rest of the set-up).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=2)
    parser.add_argument("--officers", type=int, default=1)
    parser.add_argument(
        "--referrals", type=int, default=0, help="open requests, each referred to provider 1"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db.models import Count

    from accounts.models import Organisation, Role, User
    from placements.models import PlacementRequest
    from providers import facts
    from providers.models import Setting

    officer = User.objects.get(email="placement.officer@example.org")
    admin = User.objects.get(email="provider.admin@example.org")
    hub = User.objects.get(email="hub.admin@example.org")
    password_hash = officer.password

    def copy(email: str, role: str, organisation: Organisation) -> User:
        user, _ = User.objects.get_or_create(
            email=email,
            defaults={"full_name": email.split("@")[0], "role": role, "organisation": organisation},
        )
        user.password = password_hash
        user.save(update_fields=["password"])
        return user

    def key(user: User) -> str:
        return facts.api_token_create(actor=user, name="proof")[1]

    providers = []
    others = (
        Organisation.objects.filter(kind=Organisation.Kind.PROVIDER)
        .exclude(users=admin)
        .annotate(run=Count("settings"))
        .filter(run__gt=0)
        .order_by("-run", "name")
    )
    admins = [admin] + [
        copy(f"proof.provider{n}@example.org", Role.PROVIDER_ADMIN, organisation)
        for n, organisation in enumerate(others[: max(args.providers - 1, 0)], 2)
    ]
    for user in admins:
        assert user.organisation is not None
        providers.append(
            {
                "email": user.email,
                "organisation": user.organisation.name,
                "key": key(user),
                "urns": list(
                    facts.settings_run_by(user.organisation).values_list("urn", flat=True)
                ),
                "urns_with_vacancy": list(
                    facts.settings_run_by(user.organisation)
                    .filter(vacancy__isnull=False)
                    .values_list("urn", flat=True)
                ),
                "foreign_urns": list(
                    Setting.objects.filter(provider_organisation__isnull=False)
                    .exclude(provider_organisation=user.organisation)
                    .order_by("urn")
                    .values_list("urn", flat=True)
                ),
            }
        )
    assert officer.organisation is not None
    officers = [officer] + [
        copy(f"proof.officer{n}@example.org", Role.PLACEMENT_OFFICER, officer.organisation)
        for n in range(2, args.officers + 1)
    ]
    referrals_made = referrals_send(officer, admin, args.referrals)
    open_requests = list(
        PlacementRequest.objects.filter(
            organisation=officer.organisation, status=PlacementRequest.Status.OPEN
        ).values_list("pk", flat=True)
    )
    others_requests = list(
        PlacementRequest.objects.exclude(organisation=officer.organisation)
        .order_by("pk")
        .values_list("pk", flat=True)[:20]
    )
    # A framework of the other region (the North West's hub admin makes it as the page would),
    # which no Rutland role may read.
    from datetime import date

    from commissioning import services as commissioning
    from commissioning.models import Framework

    north_west = User.objects.get(email="hub.admin.nw@example.org")
    if not Framework.objects.filter(region=north_west.region).exists():
        commissioning.framework_save(
            actor=north_west,
            name="North West proof framework",
            reference="NW-PROOF-1",
            kind=Framework.Kind.FRAMEWORK,
            starts_on=date(2026, 4, 1),
        )
    assert hub.region is not None
    other_frameworks = list(
        Framework.objects.exclude(region=hub.region).values_list("pk", flat=True)
    )
    print(
        json.dumps(
            {
                "password": "demo-placement-2026",
                "providers": providers,
                "officers": [
                    {
                        "email": user.email,
                        "organisation": officer.organisation.name,
                        "key": key(user),
                    }
                    for user in officers
                ],
                "hub_admin": {"email": hub.email},
                "open_requests": open_requests,
                "other_las_requests": others_requests,
                "other_regions_frameworks": other_frameworks,
                "referral_ids": referrals_made,
                "directory_urns": list(
                    Setting.objects.filter(status=Setting.Status.ACTIVE)
                    .order_by("urn")
                    .values_list("urn", flat=True)[:300]
                ),
            }
        )
    )


def referrals_send(officer: Any, admin: Any, count: int) -> list[int]:
    """`count` new open requests of the officer's LA (demo children, one place in Oakham), each
    sent through the service to every setting the first provider runs, for `make load`'s
    providers to answer. Returns the referrals' ids."""
    import random
    from datetime import timedelta

    from django.utils import timezone

    from brokerage.referrals import Shortlisted, referral_blocker, referral_send
    from demo.requests import child_profile
    from geo.models import Postcode
    from placements.models import PlacementRequest
    from placements.services import placement_request_create
    from providers import facts

    rng = random.Random(2026)  # noqa: S311 - demo data
    postcode = Postcode.objects.filter(postcode__startswith="LE15 ").order_by("postcode").first()
    if postcode is None or count == 0:
        return []
    shortlist = [
        Shortlisted(setting, override_reason="Load test: every home of the provider")
        for setting in facts.settings_run_by(admin.organisation)
        if referral_blocker(setting) is None
    ]
    sent: list[int] = []
    made_before = PlacementRequest.objects.filter(reference__startswith="LOAD-").count()
    for n in range(made_before, made_before + count):
        request = placement_request_create(
            actor=officer,
            places=[("school", postcode.postcode, 40)],
            areas_to_avoid=(),
            reference=f"LOAD-{n + 1:04d}",
            **child_profile(rng, hard=False),
        )
        referrals = referral_send(
            actor=officer,
            request=request,
            shortlist=shortlist,
            deadline=timezone.now() + timedelta(days=5),
        )
        sent += [referral.pk for referral in referrals]
    return sent


if __name__ == "__main__":
    main()
