from typing import Any

from django.contrib.gis import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from geo.models import Area, OutsideEnglandPostcode, Postcode, TransitFeed, TransitStop
from geo.postcodes import PostcodeMalformedError, postcode_normalise


@admin.register(Area)
class AreaAdmin(admin.GISModelAdmin):
    list_display = ["name", "gss_code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "gss_code"]


class PostcodeAdmin(admin.GISModelAdmin):
    """Reference data that only `load_postcodes` writes. Millions of rows: no full count."""

    show_full_result_count = False
    search_fields = ["postcode"]
    search_help_text = "The start of a postcode: LE15 6AB, LE15 or LE"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # A whole postcode in any form, or the start of one as stored: both served by the
        # primary key's indexes. The default search (UPPER(…) LIKE '%…%') reads every row.
        term = " ".join(search_term.upper().split())
        if not term:
            return queryset, False
        try:
            return queryset.filter(pk=postcode_normalise(term)), False
        except PostcodeMalformedError:
            return queryset.filter(postcode__startswith=term), False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Postcode)
class EnglishPostcodeAdmin(PostcodeAdmin):
    list_display = ["postcode", "district", "ltla_code", "utla_code", "updated_at"]


@admin.register(OutsideEnglandPostcode)
class OutsideEnglandPostcodeAdmin(PostcodeAdmin):
    list_display = ["postcode", "country"]
    list_filter = ["country"]


@admin.register(TransitFeed)
class TransitFeedAdmin(admin.GISModelAdmin):
    """Written only by `import_gtfs`: shown, never edited here."""

    list_display = ["name", "active", "imported_at", "valid_from", "valid_to", "stops", "walking"]
    list_filter = ["active", "walking"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TransitStop)
class TransitStopAdmin(admin.GISModelAdmin):
    list_display = ["name", "stop_id", "feed"]
    list_filter = ["feed"]
    search_fields = ["name", "stop_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
