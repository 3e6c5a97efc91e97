from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = "Regional insight: sufficiency, distance from home, supply and demand"
