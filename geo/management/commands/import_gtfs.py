"""`import_gtfs`: compile a GTFS bus timetable for the public transport engine (geo/transit/).

Reads the zip directly (no extraction), writes the compiled timetable under TRANSIT_DIR and the
feed's stops to the database, and makes the new version the active one for its name. Without
--commit it reports what it would import and writes nothing (docs/adr/0002).
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.transit.services import TransitImportError, transit_feed_import


class Command(BaseCommand):
    help = (
        "Import a GTFS zip (path or URL) for public transport times. Without --commit, reports "
        "what it would import and writes nothing. An unchanged zip is skipped by its hash. "
        "--walking-extract routes walks on an OSRM foot network built from that extract; "
        "without it walking is estimated (straight line)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="GTFS zip: a path or an http(s) URL")
        parser.add_argument("--name", help="the feed's name (default: from the file name)")
        parser.add_argument(
            "--walking-extract",
            type=Path,
            help="OpenStreetMap extract (.osm.pbf) covering the feed, for routed walking",
        )
        parser.add_argument("--commit", action="store_true", help="import it for real")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = transit_feed_import(
                source=options["source"],
                name=options["name"],
                walking_extract=options["walking_extract"],
                commit=options["commit"],
            )
        except TransitImportError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict()))
            return
        if summary.status == "unchanged":
            self.stdout.write(
                f"{summary.name}: unchanged (sha256 {summary.sha256[:12]}), nothing written"
            )
            return
        verb = "Imported" if summary.committed else "Dry run (nothing written; add --commit):"
        self.stdout.write(
            f"{verb} {summary.name} ({summary.status}): {summary.stops} stops, "
            f"{summary.routes} routes, {summary.trips} trips, {summary.connections} connections, "
            f"{summary.transfers} transfers, valid {summary.valid_from} to {summary.valid_to}, "
            f"walking {summary.walking}, {summary.rejected} rejected rows, {summary.seconds} s"
        )
        if summary.missing_optional:
            self.stdout.write(f"  optional files absent: {', '.join(summary.missing_optional)}")
        for error in summary.errors:
            self.stderr.write(f"  {error['file']} line {error['line']}: {error['message']}")
