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

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--providers", type=int, default=2)
    parser.add_argument("--officers", type=int, default=1)
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
            }
        )
    )


if __name__ == "__main__":
    main()
