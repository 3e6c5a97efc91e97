import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.demo import DemoRefused
from geo.models import Area
from providers.demo import DEFAULT_SEED, demo_facts_seed, demo_locations_seed


class Command(BaseCommand):
    help = (
        "Demo data, marked as such: a real postcode inside its own local authority for every "
        "active private-location setting without a location (--locations), and criteria, "
        "vacancies and anonymous carer households for homes, supported accommodation and "
        "fostering agencies without them (--facts). Both when neither is given. Never changes "
        "what is already there. Without --commit, reports what it would do and writes nothing. "
        "Refused unless DEMO_DATA_ALLOWED is true."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--la",
            nargs="+",
            action="extend",
            default=None,
            metavar="GSS",
            help="only settings in these upper-tier local authorities (GSS codes); "
            "default all of England",
        )
        parser.add_argument("--locations", action="store_true", help="demo locations")
        parser.add_argument(
            "--facts", action="store_true", help="demo criteria, vacancies and carer households"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="varies the demo facts")
        parser.add_argument("--commit", action="store_true", help="write the changes")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        codes = options["la"]
        if codes is not None:
            codes = sorted({code.strip().upper() for code in codes})
            known = set(
                Area.objects.filter(gss_code__in=codes, kind=Area.Kind.UPPER_TIER_LA).values_list(
                    "gss_code", flat=True
                )
            )
            unknown = [code for code in codes if code not in known]
            if unknown:
                raise CommandError(
                    f"Not an upper-tier local authority (load_boundaries first?): "
                    f"{', '.join(unknown)}"
                )
        both = not options["locations"] and not options["facts"]
        commit = options["commit"]
        try:
            locations = (
                demo_locations_seed(local_authority_codes=codes, commit=commit)
                if both or options["locations"]
                else None
            )
            facts = (
                demo_facts_seed(local_authority_codes=codes, commit=commit, seed=options["seed"])
                if both or options["facts"]
                else None
            )
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc

        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "committed": commit,
                        "local_authorities": codes,
                        "created": facts.created if facts else 0,
                        "updated": locations.updated if locations else 0,
                        "unchanged": (locations.unchanged if locations else 0)
                        + (
                            facts.eligibility.unchanged
                            + facts.vacancies.unchanged
                            + facts.agencies.unchanged
                            if facts
                            else 0
                        ),
                        "rejected": (locations.rejected if locations else 0)
                        + (facts.agencies.rejected if facts else 0),
                        "locations": locations.as_dict() if locations else None,
                        "facts": facts.as_dict() if facts else None,
                    }
                )
            )
            return
        verb = "Seeded" if commit else "Dry run (nothing written; add --commit):"
        where = (
            "all of England"
            if codes is None
            else f"{len(codes)} local authorit{'y' if len(codes) == 1 else 'ies'}"
        )
        if locations:
            self.stdout.write(
                f"{verb} demo locations, {where}: {locations.settings:,} active "
                f"private-location settings; {locations.updated:,} updated with a demo "
                f"postcode in their own authority, {locations.unchanged:,} unchanged (already "
                f"located), {locations.rejected:,} rejected (no English local authority, or "
                f"none of its postcodes loaded) in {locations.seconds} s"
            )
        if facts:
            self.stdout.write(
                f"{verb} demo facts (seed {facts.seed}), {where}: {facts.settings:,} homes, "
                f"supported accommodation and fostering agencies; "
                f"criteria {facts.eligibility.created:,} created, "
                f"{facts.eligibility.unchanged:,} unchanged; "
                f"vacancies {facts.vacancies.created:,} created, "
                f"{facts.vacancies.unchanged:,} unchanged; "
                f"carer households {facts.households_created:,} created for "
                f"{facts.agencies.created:,} agencies, {facts.agencies.unchanged:,} agencies "
                f"unchanged, {facts.agencies.rejected:,} rejected (nowhere to put them) "
                f"in {facts.seconds} s"
            )
