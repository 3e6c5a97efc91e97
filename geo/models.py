from django.contrib.gis.db import models
from django.db.models import F, Func, Value

from common.models import TimeStampedModel


class Area(TimeStampedModel):
    """An ONS statistical or administrative area, keyed by its GSS code (never by name)."""

    class Kind(models.TextChoices):
        REGION = "region", "Region"
        UPPER_TIER_LA = "utla", "Upper-tier local authority"
        LOWER_TIER_LA = "ltla", "Lower-tier local authority"

    gss_code = models.CharField("GSS code", max_length=9, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    boundary = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gss_code__regex=r"^[EWSN][0-9]{8}$"), name="area_gss_code_format"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["region", "utla", "ltla"]), name="area_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.gss_code})"


POSTCODE_FORMAT = r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$"


class Postcode(TimeStampedModel):
    """An English postcode from the ONS Postcode Directory, written only by `load_postcodes`.

    About 2.3 million rows. The postcode itself is the primary key: it is what every lookup
    uses, and a surrogate id would add a second 2.3M-entry index for nothing. The timestamps
    are kept (set in SQL by the loader) because `updated_at` is how one sees which postcodes a
    new directory release moved or reassigned; they cost about 16 bytes a row.
    """

    postcode = models.CharField(max_length=8, primary_key=True, help_text="e.g. LE15 6AB")
    # The outward code (LE15), all that is shown for a private address. Derived by the database
    # so that it can never disagree with the postcode.
    district = models.GeneratedField(
        expression=Func(F("postcode"), Value(" "), Value(1), function="split_part"),
        output_field=models.CharField(max_length=4),
        db_persist=True,
    )
    point = models.PointField(srid=4326)
    ltla_code = models.CharField("lower-tier LA GSS code", max_length=9)
    utla_code = models.CharField("upper-tier LA GSS code", max_length=9)

    class Meta:
        # The primary key's pattern index (Django adds one for LIKE) also serves prefix
        # searches such as every postcode in a district. The children's services authority is
        # what searches filter on; a plain index, as no one searches codes by prefix.
        indexes = [models.Index(fields=["utla_code"], name="postcode_utla_code_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(postcode__regex=POSTCODE_FORMAT), name="postcode_format"
            ),
            models.CheckConstraint(
                condition=models.Q(ltla_code__regex=r"^E0[6-9][0-9]{6}$"),
                name="postcode_ltla_code_english",
            ),
            models.CheckConstraint(
                condition=models.Q(utla_code__regex=r"^E(06|08|09|10)[0-9]{6}$"),
                name="postcode_utla_code_english",
            ),
        ]

    def __str__(self) -> str:
        return self.postcode


class OutsideEnglandPostcode(TimeStampedModel):
    """A UK postcode outside England, kept so a lookup can say so rather than "not found".

    Postcode areas and even districts cross the border (CH4, SY10, NP16, TD15 and 24 more
    districts hold both English and Welsh or Scottish postcodes), so only the postcode itself
    tells a Welsh postcode from a mistyped English one.
    """

    class Country(models.TextChoices):
        WALES = "wales", "Wales"
        SCOTLAND = "scotland", "Scotland"
        NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"
        CHANNEL_ISLANDS = "channel_islands", "Channel Islands"
        ISLE_OF_MAN = "isle_of_man", "Isle of Man"

    postcode = models.CharField(max_length=8, primary_key=True)
    country = models.CharField(max_length=16, choices=Country.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(postcode__regex=POSTCODE_FORMAT),
                name="outside_england_postcode_format",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    country__in=[
                        "wales",
                        "scotland",
                        "northern_ireland",
                        "channel_islands",
                        "isle_of_man",
                    ]
                ),
                name="outside_england_postcode_country_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.postcode} ({self.get_country_display()})"


class PostcodeDistrict(TimeStampedModel):
    """A postcode district (the outward code, LE15) and the middle of its English postcodes.

    Written by `load_postcodes` from the postcodes it holds. Used where only a district is known,
    such as a foster carer household's area: travel is measured from here.
    """

    district = models.CharField(max_length=4, primary_key=True)
    point = models.PointField(srid=4326, help_text="Mean position of the district's postcodes.")
    postcodes = models.PositiveIntegerField(help_text="How many English postcodes it has.")

    class Meta:
        ordering = ["district"]

    def __str__(self) -> str:
        return self.district


class TransitFeed(TimeStampedModel):
    """One imported version of a GTFS bus timetable, written only by `import_gtfs`.

    The engine (geo/transit/) never reads these rows' timetable from the database: it loads the
    compiled file `timetable_path` once per process. Versions of a feed share its slug; exactly
    one per slug is active, and a new import switches the flag in one transaction.
    """

    class Walking(models.TextChoices):
        ESTIMATED = "estimated", "Estimated (straight line)"
        NETWORK = "network", "Routed on a foot network"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)
    source = models.CharField(max_length=500, help_text="The path or URL it was imported from.")
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField()
    valid_from = models.DateField(help_text="First day any service runs (calendar files).")
    valid_to = models.DateField(help_text="Last day any service runs.")
    stops = models.PositiveIntegerField()
    routes = models.PositiveIntegerField()
    trips = models.PositiveIntegerField()
    connections = models.PositiveIntegerField(help_text="Stop-to-next-stop legs of all trips.")
    extent = models.PolygonField(srid=4326, help_text="Bounding box of the stops.")
    walking = models.CharField(max_length=10, choices=Walking.choices)
    walking_network = models.CharField(
        max_length=500, blank=True, help_text="The OSRM foot network, when walking is routed."
    )
    timetable_path = models.CharField(max_length=500)
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["slug", "-imported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(active=True),
                name="transit_feed_one_active_per_slug",
            ),
            models.CheckConstraint(
                condition=models.Q(walking__in=["estimated", "network"]),
                name="transit_feed_walking_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(walking="estimated", walking_network="")
                | (models.Q(walking="network") & ~models.Q(walking_network="")),
                name="transit_feed_walking_network_iff_routed",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__lte=models.F("valid_to")),
                name="transit_feed_valid_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:8]}{', active' if self.active else ''})"


class TransitStop(TimeStampedModel):
    """A stop of one feed version, for maps and the admin (the engine has its own copy)."""

    feed = models.ForeignKey(TransitFeed, on_delete=models.CASCADE, related_name="stop_rows")
    stop_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    point = models.PointField(srid=4326)

    class Meta:
        ordering = ["feed", "stop_id"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "stop_id"], name="transit_stop_unique_in_feed")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.stop_id})"


class AuthoritySuccession(TimeStampedModel):
    """One English children's services authority that ended, and one authority that took over
    (some or all of) its settings: a row of geo/data/local_authority_successions.csv, written only
    by `load_la_successions` (geo/successions.py says how the rows are used).

    Codes are text, not foreign keys to `Area`: a predecessor has no boundary any more, and the
    table must load before (or without) the boundaries.
    """

    class Rule(models.TextChoices):
        WHOLE = "whole", "All of its settings"
        LOCATION = "location", "By the setting's postcode or constituency"

    predecessor_name = models.CharField(max_length=120)
    predecessor_code = models.CharField(max_length=9, blank=True)
    ended_on = models.DateField(help_text="The first day the successor existed.")
    successor_name = models.CharField(max_length=120)
    successor_code = models.CharField(max_length=9)
    rule = models.CharField(max_length=10, choices=Rule.choices)
    constituencies = models.JSONField(
        default=list, blank=True, help_text="Constituencies lying wholly inside the successor."
    )
    fallback = models.BooleanField(
        default=False, help_text="Takes the settings whose location cannot be told (assumed)."
    )

    class Meta:
        ordering = ["ended_on", "predecessor_name", "successor_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor_name", "ended_on", "successor_code"],
                name="succession_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(rule__in=["whole", "location"]), name="succession_rule_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_name} → {self.successor_name} ({self.ended_on:%Y})"
