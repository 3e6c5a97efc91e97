from django.apps import AppConfig


class BrokerageConfig(AppConfig):
    name = "brokerage"
    verbose_name = "Referrals, answers and placements agreed"

    def ready(self) -> None:
        from brokerage.notifications import setting_transferred_notify
        from providers.signals import setting_transferred

        setting_transferred.connect(setting_transferred_notify, dispatch_uid="brokerage-transfer")
