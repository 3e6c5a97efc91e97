import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.services import region_boundaries_refresh


class Command(BaseCommand):
    help = (
        "Recompute each region's boundary (the union of its current member local authorities') "
        "after loading boundaries. Without --commit, reports what would change and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--commit", action="store_true", help="write the changes")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = region_boundaries_refresh(commit=options["commit"])
        if options["json"]:
            self.stdout.write(json.dumps({"committed": options["commit"], **summary.as_dict()}))
            return
        verb = "Refreshed" if options["commit"] else "Dry run (nothing written; add --commit):"
        self.stdout.write(
            f"{verb} {summary.updated + summary.unchanged} regions: {summary.updated} updated, "
            f"{summary.unchanged} unchanged"
        )
        for region in summary.regions:
            if region["changed"]:
                self.stdout.write(
                    f"  {region['region']}: now {region['members']} member LAs with a boundary"
                )
