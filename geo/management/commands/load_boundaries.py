import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.services import BoundaryFileError, boundaries_load


class Command(BaseCommand):
    help = (
        "Load ONS boundaries (regions, upper- or lower-tier local authorities) from a GeoJSON "
        "path or URL. Without --commit, reports what would change and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", nargs="+", help="GeoJSON file path(s) or URL(s)")
        parser.add_argument("--commit", action="store_true", help="write the changes")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        for source in options["source"]:
            try:
                summary = boundaries_load(source=source, commit=options["commit"])
            except BoundaryFileError as exc:
                raise CommandError(str(exc)) from exc
            result = {"source": source, "committed": options["commit"], **summary.as_dict()}
            if options["json"]:
                self.stdout.write(json.dumps(result))
                continue
            verb = "Loaded" if options["commit"] else "Dry run (nothing written; add --commit):"
            self.stdout.write(
                f"{verb} {source}: {summary.features} features, {summary.created} created, "
                f"{summary.updated} updated, {summary.unchanged} unchanged, "
                f"{summary.rejected} rejected"
            )
            for error in summary.errors:
                self.stderr.write(f"  feature {error['feature']}: {error['message']}")
