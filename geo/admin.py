from django.contrib.gis import admin

from geo.models import Area


@admin.register(Area)
class AreaAdmin(admin.GISModelAdmin):
    list_display = ["name", "gss_code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "gss_code"]
