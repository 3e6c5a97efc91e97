"""SSDA903 placement-type (PLACE) and placement-provider (PLACE_PROVIDER) codes for our settings,
placement kinds and outcomes.

The SSDA903 is the DfE's children-looked-after return: every LA reports each child's placement
episode with a PLACE code (what kind of placement) and a PLACE_PROVIDER code (who provides it).
Showing the codes in exports and the API lets an LA copy a placement made here into its return,
and compare this service's figures with the DfE's published ones, without re-coding by hand.

The code lists are here, in code, not read from a file at run time: they are reference data
the service must hold wherever it runs. They are the 2024 return's lists as the liia-tools
schema gives them (``liia_SSDA903_schema_2024.yml``, SocialFinanceDigitalLabs/liia-tools, which
lists the codes only), with the DfE's own wording: the placement types in the words of the
SSDA903 guidance (shortened where the guidance goes on to cite the Act), the providers in the
words of the DfE's published statistics (``national_cla_on_31_march_by_placement_provider_...``).
``tests/providers/test_ssda903.py`` checks both against those files, so the lists cannot drift.

Placement type from our data
----------------------------
A setting's Ofsted provision type says which PLACE codes a placement in it can have
(:data:`PROVISION_TYPE_PLACEMENT_TYPES`, shown for a setting); a placement has one, which the
placement kind settles where the setting alone does not (:func:`placement_type`, shown for an
outcome). ``None``: our data cannot tell, so we do not guess.

=================================== ========== ========== =========================================
Provision type (placement kind)     Setting    Placement  Why
=================================== ========== ========== =========================================
Children's home                     K2         K2         Registered under the Children's Homes
                                                          Regulations.
Residential special school          K2         K2         Dual-registered as a school and
(registered as a children's home)                         children's home: the guidance leaves
                                                          these out of S1.
Secure children's home              K1         K1         Secure children's homes.
Supported accommodation             H5         H5         Semi-independent living not subject to
                                                          the Children's Homes Regulations: since
                                                          2023 registered with Ofsted as supported
                                                          accommodation.
Residential family centre           R3         R3         Family centre or mother and baby unit.
Residential special school,         S1         S1         Residential schools not registered as
boarding school                                           children's homes.
Independent fostering agency        U4 U5 U6              Carers approved by an agency and found
                                                          by search are "other foster carers",
                                                          never the child's relatives or friends
                                                          (U1-U3): a connected person is assessed
                                                          by the LA for that one child, not found
                                                          among an agency's households.
 - emergency                                   U6         Same-day: neither a long-term fostering
                                                          decision (U4, made in the care plan and
                                                          matched to carers) nor fostering for
                                                          adoption (U5: carers who are also
                                                          approved adopters, planned ahead).
 - short break                                 U6         A short break is by its nature neither
                                                          long term nor fostering for adoption.
 - planned                                     None       U4 if the care plan is long-term
                                                          fostering with these carers, U5 if they
                                                          are also approved adopters, else U6: we
                                                          record neither.
 - parent and child                            None       The same: a looked-after young parent
                                                          may be placed long term with the baby.
Voluntary adoption agency           A3-A6      None       A3-A6 turn on consent or a placement
                                                          order and on whether the adopters are
                                                          the current foster carers: not held.
Secure training centre              (none)     None       The 2024 list names none (R5 is a young
                                                          offender institution): cannot be told.
Further education college           (none)     None       Not a school, nor any listed setting.
(residential)
Residential holiday scheme          (none)     None       A holiday away from the placement (T2)
                                                          or the placement itself: cannot be told.
Adoption support agency             (none)     None       Gives support, not placements.
=================================== ========== ========== =========================================

Our kinds of accommodation (:class:`providers.models.Accommodation`, e.g. a child placed outside
the service) give the codes in :data:`ACCOMMODATION_PLACEMENT_TYPES`: foster care may be U1-U6
(the LA's own carers include relatives and friends), a children's home K2, supported
accommodation H5.

Placement provider from our data
--------------------------------
From the setting's Ofsted sector (:func:`placement_provider`):

=================== ========== ==============================================================
Sector              Provider   Why
=================== ========== ==============================================================
Private             PR4        Private provision.
Voluntary           PR5        Voluntary/third sector provision.
Health Authority    PR3        Other public provision (the DfE's example is a health body).
Academy             PR3        Academy trusts are state-funded and classed as public sector.
Local Authority     PR1 / PR2  PR1 when the council that runs it is the placing LA, PR2 when it
                               is another LA.
anything else       None       An unknown or empty sector: cannot be told.
=================== ========== ==============================================================

Which council runs an LA setting: Ofsted's list gives the LA *area* a setting is in, and the
owner's name as free text. We take the area: in the March 2025 list 3 of the 560 LA-run settings
are in another council's area (a Wandsworth home in Kent, a Wolverhampton one in Staffordshire,
a Cumberland one in Westmorland and Furness), so for those the code is wrong until the owner is
recorded as an area; a setting with no area gives None. PR0 (parents) is for a child placed with
parents (P1), which is never a setting here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from providers.models import Accommodation, PlacementKind, ProvisionType, Setting

__all__ = [
    "ACCOMMODATION_PLACEMENT_TYPES",
    "LOCAL_AUTHORITY_SECTOR",
    "PLACEMENT_PROVIDERS",
    "PLACEMENT_TYPES",
    "PROVISION_TYPE_PLACEMENT_TYPES",
    "SECTOR_PLACEMENT_PROVIDERS",
    "placement_codes",
    "placement_provider",
    "placement_type",
    "setting_placement_types",
    "setting_provider_text",
]

#: Every PLACE code of the 2024 return, with the DfE's wording.
PLACEMENT_TYPES: Final[Mapping[str, str]] = {
    "A3": "Placed for adoption with parental/guardian consent with current foster carer(s)",
    "A4": "Placed for adoption with parental/guardian consent not with current foster carer(s)",
    "A5": "Placed for adoption with placement order with current foster carer(s)",
    "A6": "Placed for adoption with placement order not with current foster carer(s)",
    "H5": "Semi-independent living accommodation not subject to Children's Homes Regulations "
    "(supported accommodation)",
    "K1": "Secure children's homes",
    "K2": "Children's Homes subject to Children's Homes Regulations",
    "P1": "Placed with own parent(s) or other person(s) with parental responsibility",
    "P2": "Independent living, for example in a flat, lodgings, bedsit, bed and breakfast or with "
    "friends, with or without formal support",
    "P3": "Residential employment",
    "R1": "Residential care home",
    "R2": "NHS/health trust or other establishment providing medical or nursing care",
    "R3": "Family centre or mother and baby unit",
    "R5": "Young offender institution (YOI)",
    "S1": "All residential schools, except where dual-registered as a school and children's home",
    "T0": "All types of temporary move",
    "T1": "Temporary periods in hospital",
    "T2": "Temporary absences of the child on holiday",
    "T3": "Temporary accommodation whilst normal foster carer(s) is/are on holiday",
    "T4": "Temporary accommodation of seven days or less, for any reason, not covered by codes "
    "T1 to T3",
    "U1": "Foster placement with relative(s) or friend(s) - long term fostering",
    "U2": "Foster placement with relative(s) or friend(s) who is/are also an approved adopter(s) "
    "- fostering for adoption/concurrent planning",
    "U3": "Foster placement with relative(s) or friend(s) who is/are not long-term or fostering "
    "for adoption/concurrent planning",
    "U4": "Foster placement with other foster carer(s) - long term fostering",
    "U5": "Foster placement with other foster carer(s) who is/are also an approved adopter(s) - "
    "fostering for adoption/concurrent planning",
    "U6": "Foster placement with other foster carer(s) - not long term or fostering for "
    "adoption/concurrent planning",
    "Z1": "Other placements",
}

#: Every PLACE_PROVIDER code of the 2024 return, in the words of the DfE's statistics.
PLACEMENT_PROVIDERS: Final[Mapping[str, str]] = {
    "PR0": "Parents or other person with parental responsibility",
    "PR1": "Own provision (by the LA)",
    "PR2": "Other LA provision",
    "PR3": "Other public provision (e.g., PCT)",
    "PR4": "Private provision",
    "PR5": "Voluntary/third sector provision",
}

OWN_LA: Final = "PR1"
OTHER_LA: Final = "PR2"
LOCAL_AUTHORITY_SECTOR: Final = "Local Authority"

#: Ofsted's sectors other than Local Authority (which depends on who places: module docstring).
SECTOR_PLACEMENT_PROVIDERS: Final[Mapping[str, str]] = {
    "Private": "PR4",
    "Voluntary": "PR5",
    "Health Authority": "PR3",
    "Academy": "PR3",
}

_FOSTER_OTHER_CARERS: Final = ("U4", "U5", "U6")
_NOT_LONG_TERM_FOSTERING: Final = "U6"

#: The PLACE codes a placement in each provision type can have (empty: none can be told).
PROVISION_TYPE_PLACEMENT_TYPES: Final[Mapping[str, tuple[str, ...]]] = {
    ProvisionType.CHILDRENS_HOME: ("K2",),
    ProvisionType.RESIDENTIAL_SPECIAL_SCHOOL_CHILDRENS_HOME: ("K2",),
    ProvisionType.SECURE_CHILDRENS_HOME: ("K1",),
    ProvisionType.SUPPORTED_ACCOMMODATION: ("H5",),
    ProvisionType.RESIDENTIAL_FAMILY_CENTRE: ("R3",),
    ProvisionType.RESIDENTIAL_SPECIAL_SCHOOL: ("S1",),
    ProvisionType.BOARDING_SCHOOL: ("S1",),
    ProvisionType.INDEPENDENT_FOSTERING_AGENCY: _FOSTER_OTHER_CARERS,
    ProvisionType.VOLUNTARY_ADOPTION_AGENCY: ("A3", "A4", "A5", "A6"),
    ProvisionType.SECURE_TRAINING_CENTRE: (),
    ProvisionType.FURTHER_EDUCATION_COLLEGE: (),
    ProvisionType.RESIDENTIAL_HOLIDAY_SCHEME: (),
    ProvisionType.ADOPTION_SUPPORT_AGENCY: (),
}

#: Fostering placement kinds that settle which of U4-U6 it is (module docstring: why).
_FOSTERING_KIND_PLACEMENT_TYPES: Final[Mapping[str, str]] = {
    PlacementKind.EMERGENCY: _NOT_LONG_TERM_FOSTERING,
    PlacementKind.SHORT_BREAK: _NOT_LONG_TERM_FOSTERING,
}

#: Our kinds of accommodation: the PLACE codes each may be.
ACCOMMODATION_PLACEMENT_TYPES: Final[Mapping[str, tuple[str, ...]]] = {
    Accommodation.FOSTER: ("U1", "U2", "U3", "U4", "U5", "U6"),
    Accommodation.RESIDENTIAL: ("K2",),
    Accommodation.SUPPORTED: ("H5",),
}


def setting_placement_types(provision_type: str) -> tuple[str, ...]:
    """The PLACE codes a placement in a setting of this provision type can have."""
    return PROVISION_TYPE_PLACEMENT_TYPES.get(provision_type, ())


def placement_type(*, provision_type: str, placement_kind: str) -> str | None:
    """A placement's one PLACE code, from its setting's provision type and its kind; None when
    our data cannot tell (module docstring)."""
    codes = setting_placement_types(provision_type)
    if len(codes) == 1:
        return codes[0]
    if codes == _FOSTER_OTHER_CARERS:
        return _FOSTERING_KIND_PLACEMENT_TYPES.get(placement_kind)
    return None


def _sector(sector: str) -> str:
    return " ".join(sector.split()).casefold()


def placement_provider(
    *, sector: str, setting_la_gss: str | None, placing_la_gss: str | None
) -> str | None:
    """A placement's PLACE_PROVIDER code, from its setting's Ofsted sector and, for an LA-run
    setting, whether the LA area it is in (`setting_la_gss`) is the placing LA's; None when that
    cannot be told."""
    wanted = _sector(sector)
    if wanted == _sector(LOCAL_AUTHORITY_SECTOR):
        if not setting_la_gss or not placing_la_gss:
            return None
        return OWN_LA if setting_la_gss == placing_la_gss else OTHER_LA
    for name, code in SECTOR_PLACEMENT_PROVIDERS.items():
        if _sector(name) == wanted:
            return code
    return None


def setting_provider_text(*, sector: str, local_authority_label: str) -> str:
    """A setting's provider code for a list read by anyone: an LA-run setting's depends on who
    places, so it says both ("PR1 if placed by Rutland, else PR2"). Empty when it cannot be
    told."""
    if _sector(sector) == _sector(LOCAL_AUTHORITY_SECTOR):
        if not local_authority_label:
            return ""
        return f"{OWN_LA} if placed by {local_authority_label}, else {OTHER_LA}"
    return placement_provider(sector=sector, setting_la_gss=None, placing_la_gss=None) or ""


def placement_codes(
    *, setting: Setting, placement_kind: str, placing_la_gss: str | None
) -> tuple[str | None, str | None]:
    """A placement's (PLACE, PLACE_PROVIDER) codes: in `setting`, of `placement_kind`, made by the
    LA whose GSS code is `placing_la_gss`. Reads `setting.local_authority` (select it)."""
    area = setting.local_authority
    return (
        placement_type(provision_type=setting.provision_type, placement_kind=placement_kind),
        placement_provider(
            sector=setting.sector,
            setting_la_gss=area.gss_code if area else None,
            placing_la_gss=placing_la_gss,
        ),
    )
