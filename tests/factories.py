from __future__ import annotations

import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from factory.django import DjangoModelFactory

from accounts.models import Organisation, Region, RegionProvider, Role, User
from geo.models import Area, Postcode

factory.Faker._DEFAULT_LOCALE = "en_GB"

PASSWORD = "correct-horse-battery-staple"


def square(x: float, y: float, size: float = 0.1) -> MultiPolygon:
    return MultiPolygon(
        Polygon(((x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y))), srid=4326
    )


class AreaFactory(DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("gss_code",)

    gss_code = factory.Sequence(lambda n: f"E06{n:06d}")
    name = factory.Faker("city")
    kind = Area.Kind.UPPER_TIER_LA
    # Squares on a 20 × 40 grid over England, round again after 800: a whole run makes more
    # areas than that, and a latitude past 90° fails every later transform to metres.
    boundary = factory.Sequence(lambda n: square(-2 + (n % 20) * 0.1, 52 + (n // 20 % 40) * 0.1))


class PostcodeFactory(DjangoModelFactory):
    """An English postcode in Rutland (LE15), a few metres apart; pass postcode= for another."""

    class Meta:
        model = Postcode
        django_get_or_create = ("postcode",)

    postcode = factory.Sequence(
        lambda n: f"LE15 {n % 10}{chr(65 + n // 10 % 26)}{chr(65 + n // 260 % 26)}"
    )
    point = factory.Sequence(lambda n: Point(-0.73 + n % 100 * 0.0001, 52.67, srid=4326))
    ltla_code = "E06000017"
    utla_code = "E06000017"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Region {n} Care Co-operative")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    region = factory.SubFactory(RegionFactory)
    kind = Organisation.Kind.PROVIDER
    name = factory.Faker("company")

    class Params:
        local_authority = factory.Trait(
            kind=Organisation.Kind.LOCAL_AUTHORITY,
            area=factory.SubFactory(AreaFactory),
            gss_code=factory.LazyAttribute(lambda o: o.area.gss_code),
            name=factory.LazyAttribute(lambda o: o.area.name),
        )
        hub = factory.Trait(kind=Organisation.Kind.HUB, name="Regional hub")
        operator = factory.Trait(kind=Organisation.Kind.OPERATOR, name="National operator")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """A provider organisation is national: `region=` makes it take part in that region
        (a new region when not given). The operator belongs to none."""
        kind = kwargs.get("kind")
        if kind not in (Organisation.Kind.PROVIDER, Organisation.Kind.OPERATOR):
            return super()._create(model_class, *args, **kwargs)
        region = kwargs.pop("region", None)
        organisation = super()._create(model_class, *args, **kwargs)
        if kind == Organisation.Kind.PROVIDER and region is not None:
            RegionProvider.objects.create(region=region, organisation=organisation)
        return organisation


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.PROVIDER_USER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def sign_in(client, email: str, password: str = PASSWORD):
    """Sign in through the real form (django-axes needs the request that client.login lacks)."""
    return client.post("/sign-in/", {"username": email, "password": password}, follow=True)
