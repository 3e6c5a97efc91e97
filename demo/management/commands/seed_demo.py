from typing import Any

from django.core.management.base import BaseCommand, CommandError

from common.demo import DemoRefused
from demo.seeding import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Create the demo region, its member local authorities and one user per role."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = demo_seed()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        if report.postcodes_loaded is not None:
            self.stdout.write(f"Loaded {report.postcodes_loaded} postcodes for the demo region")
        if report.transit_postcodes_loaded is not None:
            self.stdout.write(
                f"Loaded {report.transit_postcodes_loaded} postcodes in the CH area, for "
                "Chester's bus timetable"
            )
        if report.settings_imported is not None:
            self.stdout.write(f"Imported {report.settings_imported} settings from Ofsted's list")
        if report.demo_locations or report.demo_criteria or report.demo_households:
            self.stdout.write(
                f"Gave the region's settings demo data (marked as such): "
                f"{report.demo_locations} demo locations, {report.demo_criteria} criteria, "
                f"{report.demo_vacancies} vacancies, {report.demo_households} carer households"
            )
        if report.demo_provider_settings:
            self.stdout.write(
                f"Put {report.demo_provider_settings} of the region's settings on the service: "
                f"{report.demo_providers} demo providers, named after their owners on Ofsted's "
                "list (marked demo)"
            )
        if report.demo_framework_members:
            self.stdout.write(
                f"Put {report.demo_framework_members} settings on the demo framework's 3 lots, "
                "with demo weekly rates (marked demo)"
            )
        self.stdout.write("Demo logins (password for all: " + DEMO_PASSWORD + "):")
        for login in report.logins:
            self.stdout.write(f"  {login.role:<18} {login.email:<32} {login.organisation}")
