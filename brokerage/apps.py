from django.apps import AppConfig


class BrokerageConfig(AppConfig):
    name = "brokerage"
    verbose_name = "Referrals, answers and placements agreed"

    def ready(self) -> None:
        from brokerage.notifications import setting_transferred_notify
        from brokerage.ofsted_alerts import ofsted_alerts_queue
        from brokerage.search_prices import recent_prices
        from placements import search_extras
        from providers.signals import setting_transferred, settings_changed_by_ofsted

        setting_transferred.connect(setting_transferred_notify, dispatch_uid="brokerage-transfer")
        settings_changed_by_ofsted.connect(ofsted_alerts_queue, dispatch_uid="brokerage-alerts")
        # The search's result cards show recent prices (placements may not import brokerage).
        search_extras.register(recent_prices)
