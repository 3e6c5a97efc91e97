"""`build_road_network`: an OSRM car network (contraction hierarchies) from an OSM extract.

The extract is a path or an http(s) URL (downloaded, at most `ROAD_EXTRACT_MAX_BYTES`). Runs
`osrm-extract` with the car profile, then `osrm-contract`, both shipped inside the
`osrm-bindings` package (found from the installed package, not from PATH), into a new version
folder `<out>/<sha8>/`, checks that the new network answers, then swaps `<out>/current` to it
(geo/road_networks.py). An extract whose sha256 is the served version's (or a URL that answers
304 Not Modified) is not rebuilt: it prints "unchanged". The base path it prints,
`<out>/current/<name>.osrm`, is what `TRAVEL_NETWORKS` (in-process engine) and `osrm-routed` take.

Cost, measured on this machine (scripts/bench/road_build.py, docs/road-network.md): Rutland
(1.5 MB extract) extract about 0.7 s and 65 MB peak, contract about 0.7 s and 50 MB.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.road_networks import road_network_build
from geo.travel import RoadNetworkError


class Command(BaseCommand):
    help = (
        "Build an OSRM car road network (CH) from an OpenStreetMap .osm.pbf extract (a path or "
        "an http(s) URL) into a new version folder, check it answers, then swap it in. Without "
        "--commit, says what it would do and writes nothing. Default output: "
        "var/osrm/<name>/ (ROAD_NETWORKS_DIR). An unchanged extract is not rebuilt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pbf", help="OpenStreetMap extract (.osm.pbf): a path or a URL")
        parser.add_argument(
            "--out", type=Path, help="the network's folder (default var/osrm/<name>/)"
        )
        parser.add_argument("--commit", action="store_true", help="build it for real")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = road_network_build(
                pbf=options["pbf"], out=options["out"], commit=options["commit"]
            )
        except RoadNetworkError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict()))
            return
        size = f"{summary.input_bytes / 1_000_000:.1f} MB" if summary.input_bytes else "a URL"
        if not summary.committed:
            what = "would download and build" if not summary.input_bytes else "would build"
            if summary.unchanged:
                what = "unchanged, would not rebuild"
            self.stdout.write(
                f"Dry run (nothing written; add --commit): {what} {summary.network} "
                f"from {summary.pbf} ({size}) in {summary.out}"
            )
            for step in [] if summary.unchanged else summary.steps:
                self.stdout.write(f"  {step.name}: {' '.join(step.command)}")
            return
        if summary.unchanged:
            self.stdout.write(
                f"{summary.network} unchanged (version {summary.version}, from {summary.pbf})"
            )
            return
        for step in summary.steps:
            self.stdout.write(f"{step.name}: {step.seconds:.2f} s, peak {step.peak_rss_mb:.0f} MB")
        previous = f", was {summary.previous}" if summary.previous else ""
        removed = f"; deleted {', '.join(summary.removed)}" if summary.removed else ""
        self.stdout.write(
            f"Built {summary.network} (version {summary.version}{previous}{removed}) "
            f"from {summary.pbf} ({size})"
        )
