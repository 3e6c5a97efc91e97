"""Whose figures a dashboard shows: the whole region (its current member LAs) or one member LA,
and whether that is the viewer's own LA (then nothing is suppressed).

Hub admins choose the region or any member LA; an LA manager their own LA (the default) or the
region; a placement officer only their own LA. Another hub's LAs are never a choice."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Organisation, Region, Role, User


@dataclass(frozen=True)
class Scope:
    region: Region
    members: list[Organisation]  # the region's current member LAs, by name
    la: Organisation | None  # None: the whole region
    viewer_la_id: int | None  # the viewer's own LA (None for a hub admin)

    @property
    def own(self) -> bool:
        """Whether the figures are the viewer's own LA's (shown in full)."""
        return self.la is not None and self.la.pk == self.viewer_la_id

    @property
    def organisation_ids(self) -> list[int]:
        return [self.la.pk] if self.la else [member.pk for member in self.members]

    @property
    def label(self) -> str:
        return self.la.name if self.la else f"The region ({self.region.name})"

    @property
    def key(self) -> str:
        return str(self.la.pk) if self.la else "region"

    def owns(self, organisation_id: int) -> bool:
        """Whether a row of this LA is the viewer's own."""
        return organisation_id == self.viewer_la_id


def region_members(region: Region) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            region=region, kind=Organisation.Kind.LOCAL_AUTHORITY, member_until__isnull=True
        )
        .select_related("area")
        .order_by("name")
    )


def scope_choices(user: User, members: list[Organisation]) -> list[tuple[str, str]]:
    """(key, label) of each scope the viewer may choose, the default first."""
    if user.role == Role.HUB_ADMIN:
        return [("region", "The whole region"), *((str(m.pk), m.name) for m in members)]
    own = next((m for m in members if m.pk == user.organisation_id), None)
    if own is None:
        return []
    if user.role == Role.LA_MANAGER:
        return [(str(own.pk), own.name), ("region", "The whole region")]
    return [(str(own.pk), own.name)]


def scope_get(user: User, key: str | None) -> Scope | None:
    """The scope asked for, the viewer's default when it asks for none or one not theirs; None
    when the viewer's organisation is not a current member of a region."""
    organisation = user.organisation
    if organisation is None:
        return None
    region = organisation.own_region
    members = region_members(region)
    choices = [choice for choice, _ in scope_choices(user, members)]
    if not choices:
        return None
    chosen = key if key in choices else choices[0]
    la = next((m for m in members if str(m.pk) == chosen), None)
    viewer_la_id = None if user.role == Role.HUB_ADMIN else organisation.pk
    return Scope(region=region, members=members, la=la, viewer_la_id=viewer_la_id)
