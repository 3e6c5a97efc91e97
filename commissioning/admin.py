from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from commissioning.models import Framework, Lot, Membership, Rate


@admin.register(Framework)
class FrameworkAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "region", "owner", "starts_on", "ends_on"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "reference"]


@admin.register(Lot)
class LotAdmin(SimpleHistoryAdmin):
    list_display = ["framework", "number", "name", "accommodation", "min_age", "max_age"]
    list_filter = ["accommodation"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["lot", "setting", "status", "joined_on", "status_changed_on"]
    list_filter = ["status"]
    raw_id_fields = ["setting"]


@admin.register(Rate)
class RateAdmin(SimpleHistoryAdmin):
    list_display = ["membership", "need_level", "weekly_rate", "solo_premium"]
    list_filter = ["need_level"]
