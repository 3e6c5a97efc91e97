import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from providers.models import OfstedImport
from providers.services import ImportFailed, ofsted_import, source_read


class Command(BaseCommand):
    help = (
        "Import Ofsted's provider list (.csv, .xlsx or .ods; a path or URL). Without --commit, "
        "reports what would change and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="path or http(s) URL of the list")
        parser.add_argument("--commit", action="store_true", help="write the changes")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument(
            "--strict", action="store_true", help="import nothing if any row has a problem"
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="the file is not the whole register: close nothing that is missing from it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            record, summary = ofsted_import(
                source=source_read(options["source"]),
                commit=options["commit"],
                origin=OfstedImport.Origin.COMMAND,
                strict=options["strict"],
                complete=not options["partial"],
            )
        except ImportFailed as exc:
            if options["json"] and exc.summary is not None:
                self.stdout.write(json.dumps({**exc.summary.as_dict(), "failed": str(exc)}))
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict()))
            return
        verb = "Imported" if options["commit"] else "Dry run (nothing written; add --commit):"
        self.stdout.write(
            f"{verb} {options['source']}: {summary.rows} rows, {summary.created} created, "
            f"{summary.updated} updated, {summary.unchanged} unchanged, {summary.closed} closed, "
            f"{summary.rejected} rejected, {len(summary.errors)} problems"
        )
        for kind, count in sorted(summary.events.items()):
            self.stdout.write(f"  {kind}: {count}")
        for error in summary.errors[:50]:
            self.stderr.write(f"  row {error['row']}, {error['column']}: {error['message']}")
        if len(summary.errors) > 50:
            self.stderr.write(f"  … and {len(summary.errors) - 50} more")
