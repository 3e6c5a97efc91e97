"""`build_road_network`: an OSRM car network (contraction hierarchies) from an OSM extract.

Runs `osrm-extract` with the car profile, then `osrm-contract`, both shipped inside the
`osrm-bindings` package (found from the installed package, not from PATH). The output base path
it prints is what `TRAVEL_NETWORK` (in-process engine) and `osrm-routed` take.

Cost: Rutland (1.5 MB extract), measured on this machine: extract about 0.6 s and 70 MB peak,
contract about 0.7 s and 50 MB. England (about 1.4 GB extract) is documented by OSRM at roughly
9–19 GB peak memory for extract and 5–10 GB for contraction (not measured here); serving the
result takes about 3 GB. Build England on a machine sized for that, then copy the output folder.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.travel import RoadNetworkError, road_network_build


class Command(BaseCommand):
    help = (
        "Build an OSRM car road network (CH) from an OpenStreetMap .osm.pbf extract, for "
        "TRAVEL_NETWORK or osrm-routed. Without --commit, says what it would do and writes "
        "nothing. Default output: var/osrm/<name>/. Rutland takes about 1.5 s and 70 MB; "
        "England is documented at 9-19 GB peak for extract, 5-10 GB for contraction, and about "
        "3 GB to serve."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pbf", type=Path, help="OpenStreetMap extract (.osm.pbf)")
        parser.add_argument("--out", type=Path, help="output folder (default var/osrm/<name>/)")
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
        size_mb = summary.input_bytes / 1_000_000
        if not summary.committed:
            self.stdout.write(
                f"Dry run (nothing written; add --commit): would build {summary.network} "
                f"from {summary.pbf} ({size_mb:.1f} MB) in {summary.out}"
            )
            if summary.replaced_files:
                self.stdout.write(f"  would first remove {summary.replaced_files} earlier files")
            for step in summary.steps:
                self.stdout.write(f"  {step.name}: {' '.join(step.command)}")
            return
        for step in summary.steps:
            self.stdout.write(f"{step.name}: {step.seconds:.2f} s, peak {step.peak_rss_mb:.0f} MB")
        self.stdout.write(f"Built {summary.network} from {summary.pbf} ({size_mb:.1f} MB)")
