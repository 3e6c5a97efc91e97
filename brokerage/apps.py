from django.apps import AppConfig


class BrokerageConfig(AppConfig):
    name = "brokerage"
    verbose_name = "Referrals, answers and placements agreed"

    def ready(self) -> None:
        from brokerage.notifications import setting_transferred_notify
        from brokerage.search_prices import recent_prices
        from placements import search_extras
        from providers.signals import setting_transferred

        setting_transferred.connect(setting_transferred_notify, dispatch_uid="brokerage-transfer")
        # The search's result cards show recent prices (placements may not import brokerage).
        search_extras.register(recent_prices)
