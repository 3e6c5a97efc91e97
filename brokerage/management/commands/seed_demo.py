from typing import Any

from django.core.management.base import BaseCommand, CommandError

from brokerage.demo import DEMO_PASSWORD, DemoRefused, demo_seed


class Command(BaseCommand):
    help = "Create the demo region, its member local authorities and one user per role."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            logins = demo_seed()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Demo logins (password for all: " + DEMO_PASSWORD + "):")
        for login in logins:
            self.stdout.write(f"  {login.role:<18} {login.email:<32} {login.organisation}")
