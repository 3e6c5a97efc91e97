from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data across the apps (region, people, providers, their facts). On top of every app,
    and refused unless DEMO_DATA_ALLOWED is true."""

    name = "demo"
    verbose_name = "Demo data"
