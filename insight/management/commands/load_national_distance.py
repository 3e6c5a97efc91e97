import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insight.national import NationalFileError, national_distance_load
from providers.services import ImportFailed


class Command(BaseCommand):
    help = (
        "Load the DfE's national figures on distance from home (children looked after on "
        "31 March, by distance and locality of placement) from its CSV, a path or URL. Each "
        "year in the file replaces that year's figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="the DfE CSV's path or URL")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = national_distance_load(source=options["source"])
        except (NationalFileError, ImportFailed) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps({"source": options["source"], **summary.as_dict()}))
            return
        years = ", ".join(str(year) for year in summary.years)
        self.stdout.write(
            f"Loaded {summary.figures} national distance figures for {years} "
            f"({summary.suppressed} suppressed by the DfE)"
        )
