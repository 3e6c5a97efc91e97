import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from common.demo import DemoRefused
from demo.requests import DEFAULT_SEED, demo_requests_seed


class Command(BaseCommand):
    help = (
        "A year of demo placement requests (references DEMO-0001…) across the demo region's "
        "authorities, searched, referred, answered and placed or closed through the services, "
        "so the insight dashboards have figures. Run `seed_demo` first. Does nothing when the "
        "region has demo requests already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=240, help="How many requests (240).")
        parser.add_argument("--months", type=int, default=12, help="Over how many months (12).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="The random seed.")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = demo_requests_seed(
                today=timezone.localdate(),
                count=options["count"],
                months=options["months"],
                seed=options["seed"],
            )
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
        else:
            self.stdout.write(report.summary)
