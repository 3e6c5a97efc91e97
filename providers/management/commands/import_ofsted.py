import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from geo.successions import Basis
from providers.models import OfstedImport
from providers.services import (
    HistoryRelease,
    ImportFailed,
    ImportSummary,
    ofsted_history_import,
    ofsted_import,
    source_read,
)


class Command(BaseCommand):
    help = (
        "Import Ofsted's provider list (.csv, .xlsx or .ods; a path or URL), or with --history a "
        "folder of yearly lists, oldest first. Without --commit, reports what would change and "
        "writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("source", nargs="?", help="path or http(s) URL of the list")
        what.add_argument(
            "--history",
            metavar="FOLDER",
            help="import every list in FOLDER oldest first, building each setting's history",
        )
        parser.add_argument("--commit", action="store_true", help="write the changes")
        parser.add_argument(
            "--json", action="store_true", help="print the summary as JSON (one line a release)"
        )
        parser.add_argument(
            "--strict", action="store_true", help="import nothing if any row has a problem"
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="the file is not the whole register: close nothing that is missing from it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["history"]:
            self._history(options)
            return
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
        self.stdout.write(f"{verb} {options['source']}: {self._counts(summary)}")
        self._details(summary)

    def _history(self, options: dict[str, Any]) -> None:
        if options["partial"]:
            raise CommandError("--partial does not go with --history: each yearly list is whole.")
        try:
            releases = ofsted_history_import(
                folder=options["history"],
                commit=options["commit"],
                origin=OfstedImport.Origin.COMMAND,
                strict=options["strict"],
            )
        except ImportFailed as exc:
            if options["json"] and exc.summary is not None:
                self.stdout.write(json.dumps({**exc.summary.as_dict(), "failed": str(exc)}))
            raise CommandError(str(exc)) from exc
        if options["json"]:
            for release in releases:
                self.stdout.write(json.dumps(release.as_dict()))
            return
        if not options["commit"]:
            self.stdout.write("Dry run (nothing written; add --commit):")
        for release in releases:
            self._release(release)

    def _release(self, release: HistoryRelease) -> None:
        head = f"{release.as_at:%-d %B %Y} {release.file}"
        if release.summary is None:
            self.stdout.write(f"{head}: skipped, {release.reason}")
            return
        self.stdout.write(f"{head}: {release.status}, {self._counts(release.summary)}")
        self._details(release.summary, problems_shown=5)

    @staticmethod
    def _counts(summary: ImportSummary) -> str:
        return (
            f"{summary.rows} rows, {summary.created} created, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.closed} closed, "
            f"{summary.rejected} rejected, {summary.skipped} not settings, "
            f"{len(summary.errors)} problems, {len(summary.notes)} notes"
        )

    def _details(self, summary: ImportSummary, problems_shown: int = 50) -> None:
        for kind, count in sorted(summary.events.items()):
            self.stdout.write(f"  {kind}: {count}")
        told = {b: n for b, n in summary.local_authorities.items() if b != Basis.NAME}
        if told:
            self.stdout.write(
                "  local authorities not named as today: "
                + ", ".join(f"{Basis(b).label.lower()} {n}" for b, n in told.items())
            )
        for error in summary.errors[:problems_shown]:
            self.stderr.write(f"  row {error['row']}, {error['column']}: {error['message']}")
        if len(summary.errors) > problems_shown:
            self.stderr.write(f"  … and {len(summary.errors) - problems_shown} more")
