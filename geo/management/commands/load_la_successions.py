from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.successions import SUCCESSIONS_FILE, SuccessionFileError, successions_load


class Command(BaseCommand):
    help = (
        "Load the table of local authorities that ended and what took over (replaces it). "
        "Without a path, the copy shipped in geo/data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(SUCCESSIONS_FILE))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = successions_load(options["path"])
        except (OSError, SuccessionFileError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Loaded {count} local authority successions from {options['path']}")
