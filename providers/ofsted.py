"""Read Ofsted's "Children's social care data in England" provider-level list.

This is the parsing half of the Ofsted import: it turns a published (or an LA's unredacted) file
into plain frozen dataclasses and a list of row errors, and touches neither the database nor
Django, so it can run in a worker, a management command or a test without either. Writing the
rows to the database is somebody else's job.

Ofsted change the layout every year (title lines above the table, header cells with stray line
breaks, renamed judgement columns, extra columns, a different encoding), so columns are found by
their normalised header text through :data:`HEADER_VARIANTS`, never by position.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

import python_calamine

from common.xlsx import SpreadsheetTooLargeError, spreadsheet_zip_check

__all__ = [
    "HEADER_SEARCH_ROWS",
    "HEADER_VARIANTS",
    "SUPPORTED_EXTENSIONS",
    "EmptyFileError",
    "Judgement",
    "JudgementScale",
    "NotAnOfstedListError",
    "OfstedFileError",
    "OfstedProvider",
    "OfstedProviderList",
    "ProvisionType",
    "RowError",
    "SupportedAccommodationOutcome",
    "UnreadableFileError",
    "UnsupportedFileTypeError",
    "judgement_scale",
    "normalise_header",
    "parse_judgement",
    "parse_provision_type",
    "read_provider_list",
]

#: Ofsted put one to five title/notes lines above the table; ten leaves room without letting a
#: stray "URN" much further down a notes sheet pass for a header.
HEADER_SEARCH_ROWS: Final = 10

SUPPORTED_EXTENSIONS: Final = (".csv", ".xlsx", ".ods")

# Anything that can come out of a CSV cell or a calamine cell.
type Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None


# --------------------------------------------------------------------------------------------
# File-level errors
# --------------------------------------------------------------------------------------------


class OfstedFileError(ValueError):
    """The whole file can't be used. The message is written for the person who uploaded it."""


class UnsupportedFileTypeError(OfstedFileError):
    """The file's extension is not one we can read."""


class EmptyFileError(OfstedFileError):
    """The file has nothing in it, or headings but no providers."""


class UnreadableFileError(OfstedFileError):
    """The file could not be opened or decoded: corrupt, truncated or not what its name says."""


class NotAnOfstedListError(OfstedFileError):
    """The file can be read but has no table with a URN column and a provision type column."""


# --------------------------------------------------------------------------------------------
# Code lists
# --------------------------------------------------------------------------------------------


class ProvisionType(enum.StrEnum):
    """Ofsted social care provision types, as stable codes for the database.

    The file's text varies in case and punctuation between rows and years ("Children's home" and
    "Children's Home" in the same file), so it is matched through :data:`_PROVISION_TYPE_VARIANTS`.
    """

    CHILDRENS_HOME = "childrens_home"
    SECURE_CHILDRENS_HOME = "secure_childrens_home"
    RESIDENTIAL_SPECIAL_SCHOOL_CHILDRENS_HOME = "residential_special_school_childrens_home"
    RESIDENTIAL_SPECIAL_SCHOOL = "residential_special_school"
    BOARDING_SCHOOL = "boarding_school"
    FURTHER_EDUCATION_COLLEGE = "further_education_college"
    INDEPENDENT_FOSTERING_AGENCY = "independent_fostering_agency"
    VOLUNTARY_ADOPTION_AGENCY = "voluntary_adoption_agency"
    ADOPTION_SUPPORT_AGENCY = "adoption_support_agency"
    RESIDENTIAL_FAMILY_CENTRE = "residential_family_centre"
    RESIDENTIAL_HOLIDAY_SCHEME = "residential_holiday_scheme"
    SECURE_TRAINING_CENTRE = "secure_training_centre"
    SUPPORTED_ACCOMMODATION = "supported_accommodation"

    @property
    def label(self) -> str:
        """Ofsted's own wording, for display."""
        return _PROVISION_TYPE_VARIANTS[self][0]


class Judgement(enum.StrEnum):
    """A point on Ofsted's four-point judgement scales, shared by every judgement column.

    Every scale Ofsted has used since 2015 has four points, and only the third one's wording
    changed, so the stored value is the point and the row's :class:`JudgementScale` says which
    words it was given in: "Adequate" (before April 2015) and "Satisfactory" (before 2013) are
    the third point on their scales, as "Requires improvement" (2013 to March 2017) and
    "Requires improvement to be good" (the SCCIF, since April 2017) are on theirs. Comparing
    points compares like with like; where the scale is an older one, pages say so.

    "Not judged" (an inspection that did not judge that part) is kept as such. "Not yet
    inspected" and blanks are not a judgement: they are read as ``None``.
    """

    OUTSTANDING = "outstanding"
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"
    NOT_JUDGED = "not_judged"

    @property
    def label(self) -> str:
        """Ofsted's own wording on the current scale, for display."""
        return _JUDGEMENT_VARIANTS[self][0]

    def words(self, scale: JudgementScale | str | None) -> str:
        """The wording this point had on ``scale`` (the current scale's when not known)."""
        if self is Judgement.REQUIRES_IMPROVEMENT and scale:
            return _THIRD_POINT_WORDS[JudgementScale(scale)]
        return self.label

    def shown(self, scale: JudgementScale | str | None) -> str:
        """Its words on ``scale``, saying when that scale is an older one: "Adequate (older
        scale)". What pages, exports and events show."""
        words = self.words(scale)
        if not scale or self is Judgement.NOT_JUDGED or JudgementScale(scale).is_current:
            return words
        return f"{words}{OLDER_SCALE}"


class JudgementScale(enum.StrEnum):
    """Which of Ofsted's judgement scales a row's judgements are on (see :class:`Judgement`).

    Told from the row itself (:func:`judgement_scale`): the third point's wording when a column
    has it, else the latest inspection's date (the SCCIF began on 1 April 2017).
    """

    SCCIF = "sccif"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    ADEQUATE = "adequate"
    SATISFACTORY = "satisfactory"

    @property
    def label(self) -> str:
        return _SCALE_LABELS[self]

    @property
    def is_current(self) -> bool:
        return self is JudgementScale.SCCIF


SCCIF_STARTED: Final = dt.date(2017, 4, 1)
#: What a judgement on an older scale is shown with (Judgement.shown).
OLDER_SCALE: Final = " (older scale)"
_THIRD_POINT_WORDS: Final[Mapping[JudgementScale, str]] = {
    JudgementScale.SCCIF: "Requires improvement to be good",
    JudgementScale.REQUIRES_IMPROVEMENT: "Requires improvement",
    JudgementScale.ADEQUATE: "Adequate",
    JudgementScale.SATISFACTORY: "Satisfactory",
}
_SCALE_LABELS: Final[Mapping[JudgementScale, str]] = {
    JudgementScale.SCCIF: "Ofsted's current scale (since April 2017)",
    JudgementScale.REQUIRES_IMPROVEMENT: "an older Ofsted scale (before April 2017)",
    JudgementScale.ADEQUATE: "an older Ofsted scale (with 'Adequate', before 2015)",
    JudgementScale.SATISFACTORY: "an older Ofsted scale (with 'Satisfactory', before 2013)",
}


class SupportedAccommodationOutcome(enum.StrEnum):
    """Supported accommodation is not graded on the four-point scale but on its own three."""

    CONSISTENTLY_STRONG = "consistently_strong"
    INCONSISTENT = "inconsistent"
    SERIOUS_WEAKNESSES = "serious_weaknesses"

    @property
    def label(self) -> str:
        """Ofsted's own wording, for display."""
        return _SA_OUTCOME_VARIANTS[self][0]


# First entry of each tuple is the display label; all are matched after normalise_header().
_PROVISION_TYPE_VARIANTS: Final[Mapping[ProvisionType, tuple[str, ...]]] = {
    ProvisionType.CHILDRENS_HOME: ("Children's home", "Childrens home"),
    ProvisionType.SECURE_CHILDRENS_HOME: ("Secure children's home",),
    ProvisionType.RESIDENTIAL_SPECIAL_SCHOOL_CHILDRENS_HOME: (
        "Residential special school (registered as a children's home)",
        "Residential special school registered as a children's home",
        "Residential special schools (registered as children's homes)",
        # 2015: schools open more than 295 days a year must register as children's homes.
        "Residential special school (>295 days/year)",
    ),
    ProvisionType.RESIDENTIAL_SPECIAL_SCHOOL: ("Residential special school",),
    ProvisionType.BOARDING_SCHOOL: ("Boarding school",),
    ProvisionType.FURTHER_EDUCATION_COLLEGE: (
        "Further education college with residential accommodation",
        "Further education college",
    ),
    ProvisionType.INDEPENDENT_FOSTERING_AGENCY: ("Independent fostering agency",),
    ProvisionType.VOLUNTARY_ADOPTION_AGENCY: ("Voluntary adoption agency",),
    ProvisionType.ADOPTION_SUPPORT_AGENCY: ("Adoption support agency",),
    ProvisionType.RESIDENTIAL_FAMILY_CENTRE: ("Residential family centre",),
    ProvisionType.RESIDENTIAL_HOLIDAY_SCHEME: (
        "Residential holiday scheme for disabled children",
        "Residential holiday scheme",
    ),
    ProvisionType.SECURE_TRAINING_CENTRE: ("Secure training centre",),
    ProvisionType.SUPPORTED_ACCOMMODATION: (
        "Supported accommodation",
        "Supported accommodation provider",
    ),
}

# Grades 1-4 are how Ofsted's management information and some LA extracts write judgements.
_JUDGEMENT_VARIANTS: Final[Mapping[Judgement, tuple[str, ...]]] = {
    Judgement.OUTSTANDING: ("Outstanding", "1"),
    Judgement.GOOD: ("Good", "2"),
    Judgement.REQUIRES_IMPROVEMENT: (
        "Requires improvement to be good",
        "Requires improvement",
        "Adequate",
        "Satisfactory",
        "3",
    ),
    Judgement.INADEQUATE: ("Inadequate", "4"),
    Judgement.NOT_JUDGED: ("Not judged",),
}
_SCALE_WORDS: Final[Mapping[str, JudgementScale]] = {
    "satisfactory": JudgementScale.SATISFACTORY,
    "adequate": JudgementScale.ADEQUATE,
    "requires improvement to be good": JudgementScale.SCCIF,
}
_NOT_A_JUDGEMENT: Final = frozenset(
    {"not yet inspected", "not inspected", "na", "n a", "not applicable", "none"}
)

_SA_OUTCOME_VARIANTS: Final[Mapping[SupportedAccommodationOutcome, tuple[str, ...]]] = {
    SupportedAccommodationOutcome.CONSISTENTLY_STRONG: ("Consistently strong service delivery",),
    SupportedAccommodationOutcome.INCONSISTENT: ("Inconsistent quality of service delivery",),
    SupportedAccommodationOutcome.SERIOUS_WEAKNESSES: ("Serious or widespread weaknesses",),
}


# --------------------------------------------------------------------------------------------
# Header matching
# --------------------------------------------------------------------------------------------

#: Canonical field name -> header texts seen (or expected) for it across releases. Matching is on
#: :func:`normalise_header` of both sides, so case, punctuation, apostrophes and line breaks in
#: the file don't matter; a leading "Latest full inspection" (and similar) is also tried without.
#: Notes on real releases:
#:
#: - 2024 says "Ofsted region", 2025 "Ofsted Region"; 2025 starts several cells with a newline.
#: - The overall judgement was "Overall effectiveness" before the 2017 SCCIF and "Overall
#:   experiences and progress of children and young people" since.
#: - 2024's always-empty "Premises" column became 2025's "Supported accommodation premises".
#: - The ODS "Providers+places" sheet says "Organisation name" for the owner.
#: - "Previous full inspection …" columns (2024) are deliberately not mapped: only the latest
#:   inspection is imported.
#: - 2015 says "Reg Status", "Region" (Ofsted's), "Inspection type", "Inspection ID", "Linked ED
#:   URN" and "The safety of children and young people".
#: - 2016 and 2018 (the 2014 framework for children's homes) say "Organisation" for the owner,
#:   "Short breaks only children's home", and judge "Safeguarding children and young people",
#:   which the 2015 and 2017 frameworks renamed "How well children and young people are helped
#:   and protected". Their "Outcomes for children and young people" and "Quality of care" have
#:   no later counterpart and are not imported.
HEADER_VARIANTS: Final[Mapping[str, tuple[str, ...]]] = {
    "urn": ("URN", "Unique reference number", "Provider URN", "Social care URN"),
    "provision_type": ("Provision type", "Provider type", "Type of provision"),
    "setting_name": ("Name", "Setting name", "Provider name", "Name of setting"),
    "organisation_name": (
        "Organisation which owns the provider",
        "Organisation name",
        "Owner",
        "Owner name",
        "Registered provider",
        "Organisation",
    ),
    "sector": ("Sector",),
    "registration_status": ("Registration status", "Reg status"),
    "registration_date": ("Registration date", "Date of registration"),
    "linked_education_urn": ("Linked education URN", "Linked ED URN"),
    "places": ("Places", "Number of places", "Registered places"),
    "supported_accommodation_premises": (
        "Supported accommodation premises",
        "Premises",
        "Number of premises",
    ),
    "short_break_only": (
        "Short-break-only children's home",
        "Short breaks only children's home",
        "Short break only",
        "Short breaks only",
        "Short breaks",
    ),
    "multi_building": ("Multi building children's home", "Multi-building"),
    "address_line_1": ("Address 1", "Address line 1"),
    "address_line_2": ("Address 2", "Address line 2"),
    "address_line_3": ("Address 3", "Address line 3"),
    "town": ("Town", "Town/city", "Post town"),
    "county": ("County",),
    "postcode": ("Postcode", "Post code"),
    "local_authority": ("Local authority", "Local authority name", "LA name"),
    "ofsted_region": ("Ofsted region", "Region"),
    "government_office_region": ("Government Office Region", "GOR"),
    "parliamentary_constituency": ("Parliamentary constituency", "Constituency"),
    "latest_inspection_event_type": (
        "Latest full inspection event type",
        "Inspection event type",
        "Event type",
        "Inspection type",
    ),
    "latest_inspection_date": (
        "Latest full inspection date",
        "Latest full inspection event date",
        "Inspection date",
        "Date of latest full inspection",
    ),
    "latest_inspection_publication_date": (
        "Latest full inspection publication date",
        "Inspection publication date",
        "Publication date",
    ),
    "latest_inspection_event_number": (
        "Latest full inspection event number",
        "Inspection event number",
        "Event number",
        "Inspection ID",
    ),
    "overall_effectiveness": (
        "Overall experiences and progress of children and young people",
        "Overall effectiveness",
        "Overall experiences and progress",
    ),
    "help_and_protection": (
        "How well children and young people are helped and protected",
        "How well children are helped and protected",
        "Helped and protected",
        "Safeguarding children and young people",
        "The safety of children and young people",
    ),
    "leadership_and_management": (
        "The effectiveness of leaders and managers",
        "Effectiveness of leaders and managers",
        "Leadership and management",
    ),
    "outcomes_in_education": ("Outcomes in education and related learning activities",),
    # 2022's header is misspelt "Latest full inspectio health services".
    "health_services": ("Health services", "Inspectio health services"),
    "supported_accommodation_outcome": ("Supported accommodation outcome",),
}

# Tried in order; longest first so "latest full inspection x" doesn't leave "full inspection x".
_HEADER_PREFIXES: Final = (
    "latest full inspection ",
    "most recent full inspection ",
    "latest inspection ",
    "latest full ",
    "latest ",
)
_NOTE_SUFFIX = re.compile(r"(?: notes? \d+(?: and \d+)*)+$")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise_header(text: object) -> str:
    """Reduce a header (or code-list) cell to lower-case words so spelling drift doesn't matter.

    Apostrophes are dropped rather than spaced so "children's" and "childrens" agree, and a
    trailing "(Note 4)" is dropped because Ofsted footnote headers in some sheets.
    """
    text = str(text).lower().replace("\u2019", "").replace("\u2018", "").replace("'", "")
    return _NOTE_SUFFIX.sub("", " ".join(_NOT_WORD.sub(" ", text).split()))


def _invert[K](variants: Mapping[K, tuple[str, ...]]) -> dict[str, K]:
    lookup: dict[str, K] = {}
    for key, texts in variants.items():
        for text in texts:
            normalised = normalise_header(text)
            # A variant listed under two keys would make matching depend on dict order.
            if lookup.setdefault(normalised, key) != key:
                raise AssertionError(f"{text!r} is listed for both {lookup[normalised]} and {key}")
    return lookup


_HEADER_LOOKUP: Final = _invert(HEADER_VARIANTS)
_PROVISION_TYPE_LOOKUP: Final = _invert(_PROVISION_TYPE_VARIANTS)
_JUDGEMENT_LOOKUP: Final = _invert(_JUDGEMENT_VARIANTS)
_SA_OUTCOME_LOOKUP: Final = _invert(_SA_OUTCOME_VARIANTS)


def _canonical_field(header: object) -> str | None:
    normalised = normalise_header(header)
    if not normalised:
        return None
    if normalised in _HEADER_LOOKUP:
        return _HEADER_LOOKUP[normalised]
    for prefix in _HEADER_PREFIXES:
        if normalised.startswith(prefix):
            return _HEADER_LOOKUP.get(normalised.removeprefix(prefix))
    return None


# --------------------------------------------------------------------------------------------
# Output types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    """One cell (or row) that could not be read.

    ``row`` is the row number a spreadsheet user sees (1-based, title lines included), and
    ``column`` the header text as it appears in the file, so the uploader can find and fix it.
    ``field`` is the canonical name, for code.
    """

    row: int
    column: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True, slots=True, kw_only=True)
class OfstedProvider:
    """One provider row. Text is whitespace-collapsed; ``REDACTED`` and blanks are ``None``.

    ``redacted_fields`` names the fields that said ``REDACTED`` rather than being blank, because
    "Ofsted withheld this" and "this doesn't apply" must not be confused when merging with an
    unredacted copy.
    """

    row: int
    urn: str
    provision_type: ProvisionType
    setting_name: str | None = None
    organisation_name: str | None = None
    sector: str | None = None
    registration_status: str | None = None
    registration_date: dt.date | None = None
    linked_education_urn: str | None = None
    places: int | None = None
    supported_accommodation_premises: int | None = None
    short_break_only: bool = False
    multi_building: bool = False
    address_line_1: str | None = None
    address_line_2: str | None = None
    address_line_3: str | None = None
    town: str | None = None
    county: str | None = None
    postcode: str | None = None
    local_authority: str | None = None
    ofsted_region: str | None = None
    government_office_region: str | None = None
    parliamentary_constituency: str | None = None
    latest_inspection_event_type: str | None = None
    latest_inspection_date: dt.date | None = None
    latest_inspection_publication_date: dt.date | None = None
    latest_inspection_event_number: str | None = None
    overall_effectiveness: Judgement | None = None
    help_and_protection: Judgement | None = None
    leadership_and_management: Judgement | None = None
    outcomes_in_education: Judgement | None = None
    health_services: Judgement | None = None
    supported_accommodation_outcome: SupportedAccommodationOutcome | None = None
    judgement_scale: JudgementScale | None = None
    redacted_fields: frozenset[str] = frozenset()

    @property
    def location_redacted(self) -> bool:
        """True when Ofsted withheld where the setting is (every children's home, publicly)."""
        return bool({"postcode", "address_line_1"} & self.redacted_fields)


@dataclass(frozen=True, slots=True, kw_only=True)
class OfstedProviderList:
    """What :func:`read_provider_list` found in one file.

    A row whose URN or provision type can't be read is left out of ``providers`` (it can't be
    identified or classified); any other bad cell is reported in ``errors`` and read as ``None``
    while the rest of the row is kept. Callers that must not half-import a row can skip
    ``rows_with_errors``.
    """

    providers: tuple[OfstedProvider, ...]
    errors: tuple[RowError, ...]
    header_row: int
    # Rows left out that are not a problem in the file: bodies Ofsted lists that are not
    # placement settings (Cafcass). Said, so that the row count adds up.
    notes: tuple[RowError, ...] = ()
    columns: Mapping[str, str]
    ignored_columns: tuple[str, ...]
    title: str | None = None
    sheet_name: str | None = None
    encoding: str | None = None

    def __len__(self) -> int:
        return len(self.providers)

    def __iter__(self) -> Iterator[OfstedProvider]:
        return iter(self.providers)

    @property
    def rows_with_errors(self) -> frozenset[int]:
        return frozenset(error.row for error in self.errors)

    @property
    def missing_fields(self) -> tuple[str, ...]:
        """Canonical fields this release doesn't have a column for (they read as None/False)."""
        return tuple(name for name in HEADER_VARIANTS if name not in self.columns)


# --------------------------------------------------------------------------------------------
# Cell parsing
# --------------------------------------------------------------------------------------------


class _CellError(ValueError):
    """A cell's text isn't valid for its column; becomes a RowError, never escapes."""


_URN = re.compile(r"SC\d{6}|\d{7}")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_POSTCODE = re.compile(r"([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})")
# Spreadsheets count days from 30 Dec 1899 (the Lotus 1900 leap-year bug is baked in).
_SPREADSHEET_EPOCH: Final = dt.date(1899, 12, 30)
_FALSE_FLAGS: Final = frozenset({"n", "no", "false", "0"})


def _text(value: Cell) -> str:
    """Any cell as collapsed text ("" for blank); whole floats lose ".0" as calamine adds it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return " ".join(str(value).split())


def _is_redacted(text: str) -> bool:
    return text.strip("[]()*").lower() == "redacted"


def _parse_text(value: Cell, text: str) -> str:
    return text


def _parse_postcode(value: Cell, text: str) -> str:
    # One canonical spelling ("SW1A 1AA") so postcodes compare equal to the ONS Postcode Directory.
    compact = text.upper().replace(" ", "")
    match = _POSTCODE.fullmatch(compact)
    return f"{match[1]} {match[2]}" if match else text.upper()


def _parse_date(value: Cell, text: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date column that lost its cell format arrives as the spreadsheet's day number.
        if math.isfinite(value) and 1 <= value < 2_958_466:
            return _SPREADSHEET_EPOCH + dt.timedelta(days=int(value))
        raise _CellError(f"{text!r} is not a date")
    try:
        if match := _DMY.fullmatch(text):
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        if match := _ISO.fullmatch(text):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _CellError(f"{text!r} is not a real date") from None
    raise _CellError(f"{text!r} is not a date in the form dd/mm/yyyy")


def _parse_count(value: Cell, text: str) -> int:
    try:
        number = float(text)
    except ValueError:
        raise _CellError(f"{text!r} is not a whole number") from None
    if not number.is_integer() or number < 0:
        raise _CellError(f"{text!r} is not a whole number of 0 or more")
    return int(number)


def _parse_flag(value: Cell, text: str) -> bool:
    # The columns hold "Y", "Short breaks only", "Short-break-only children's home" or blank.
    return text.lower() not in _FALSE_FLAGS


def _parse_judgement(value: Cell, text: str) -> Judgement | None:
    normalised = normalise_header(text)
    if normalised in _NOT_A_JUDGEMENT:
        return None
    try:
        return _JUDGEMENT_LOOKUP[normalised]
    except KeyError:
        raise _CellError(
            f"{text!r} is not an Ofsted judgement (Outstanding, Good, Requires improvement to "
            "be good, Inadequate or Not judged, or an older scale's Requires improvement, "
            "Adequate or Satisfactory)"
        ) from None


def _parse_sa_outcome(value: Cell, text: str) -> SupportedAccommodationOutcome | None:
    normalised = normalise_header(text)
    if normalised in _NOT_A_JUDGEMENT:
        return None
    try:
        return _SA_OUTCOME_LOOKUP[normalised]
    except KeyError:
        raise _CellError(f"{text!r} is not a supported accommodation outcome") from None


_JUDGEMENT_FIELDS: Final = (
    "overall_effectiveness",
    "help_and_protection",
    "leadership_and_management",
    "outcomes_in_education",
    "health_services",
)


def judgement_scale(texts: Iterable[str], inspected_on: dt.date | None) -> JudgementScale:
    """The scale a row's judgements are on: an older scale's own wording in any of ``texts``
    (the row's judgement cells) says so; otherwise an inspection before the SCCIF (1 April
    2017) was on the "Requires improvement" scale, and a later or undated one on the SCCIF."""
    found = {_SCALE_WORDS.get(normalise_header(text)) for text in texts}
    for scale in (JudgementScale.SATISFACTORY, JudgementScale.ADEQUATE, JudgementScale.SCCIF):
        if scale in found:
            return scale
    if inspected_on is not None and inspected_on < SCCIF_STARTED:
        return JudgementScale.REQUIRES_IMPROVEMENT
    return JudgementScale.SCCIF


def parse_judgement(text: str | None) -> Judgement | None:
    """Ofsted's judgement wording, in any case, to a :class:`Judgement`.

    Blank and "Not yet inspected" are ``None``; anything else raises ``ValueError``, because a
    misread judgement would misinform a placement decision.
    """
    return _parse_judgement(text, _text(text)) if _text(text) else None


def parse_provision_type(text: str) -> ProvisionType:
    """Ofsted's provision type wording, in any case or punctuation, to a :class:`ProvisionType`.

    Raises ``ValueError`` for a type we don't know, because guessing would mis-file a provider.
    """
    try:
        return _PROVISION_TYPE_LOOKUP[normalise_header(text)]
    except KeyError:
        raise ValueError(f"{text!r} is not a provision type this import knows") from None


_FIELD_PARSERS: Final[Mapping[str, Callable[[Cell, str], object]]] = {
    "registration_date": _parse_date,
    "latest_inspection_date": _parse_date,
    "latest_inspection_publication_date": _parse_date,
    "places": _parse_count,
    "supported_accommodation_premises": _parse_count,
    "short_break_only": _parse_flag,
    "multi_building": _parse_flag,
    "postcode": _parse_postcode,
    "overall_effectiveness": _parse_judgement,
    "help_and_protection": _parse_judgement,
    "leadership_and_management": _parse_judgement,
    "outcomes_in_education": _parse_judgement,
    "health_services": _parse_judgement,
    "supported_accommodation_outcome": _parse_sa_outcome,
}
# Parsed separately: without them the row can't be identified or classified.
_KEY_FIELDS: Final = frozenset({"urn", "provision_type"})


# --------------------------------------------------------------------------------------------
# Reading files into rows of cells
# --------------------------------------------------------------------------------------------


type Rows = Sequence[Sequence[Cell]]


@dataclass(frozen=True, slots=True)
class _Header:
    index: int  # 0-based row index of the header
    columns: dict[str, int]  # canonical field -> 0-based column index
    texts: list[str]  # every header cell, whitespace-collapsed


def _find_header(rows: Rows) -> _Header | None:
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(cells):
            name = _canonical_field(cell)
            # The first column wins: later duplicates are more likely "previous …" lookalikes.
            if name is not None and name not in columns:
                columns[name] = position
        if columns.keys() >= _KEY_FIELDS:
            return _Header(index, columns, [_text(cell) for cell in cells])
    return None


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM or not) if it decodes, else cp1252: what Excel's two CSV flavours write."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; one odd byte shouldn't sink a 5,000-row file.
        return data.decode(encoding, errors="replace"), encoding


def _read_csv(data: bytes) -> tuple[Rows, str]:
    text, encoding = _decode(data)
    try:
        rows: Rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UnreadableFileError(f"This CSV file could not be read ({exc}).") from exc
    return rows, encoding


def _is_blank(cells: Sequence[Cell]) -> bool:
    return not any(_text(cell) for cell in cells)


def _read_workbook(data: bytes, *, sheet: str | None) -> tuple[Rows, str, _Header]:
    """Pick the sheet holding the provider table, as gov.uk's ODS has a dozen sheets.

    Several sheets have URN and provision type columns (in-year inspections, places, premises,
    leavers and joiners), so the one matching the most canonical columns wins, and a name like
    "Provider level at 31 Mar" breaks ties because the in-year sheet has the same columns.
    """
    try:
        spreadsheet_zip_check(data)  # before calamine inflates anything
    except SpreadsheetTooLargeError as exc:
        raise UnreadableFileError(str(exc)) from exc
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [sheet] if sheet is not None else list(workbook.sheet_names)
        best: tuple[tuple[int, int], str, _Header] | None = None
        any_cells = False
        for name in names:
            try:
                probe = workbook.get_sheet_by_name(name).to_python(
                    skip_empty_area=False, nrows=HEADER_SEARCH_ROWS
                )
            except python_calamine.WorksheetNotFound:
                raise UnreadableFileError(f"The workbook has no sheet called {name!r}.") from None
            any_cells = any_cells or not all(_is_blank(row) for row in probe)
            header = _find_header(probe)
            if header is None:
                continue
            hint = 1 if "provider level at" in normalise_header(name) else 0
            score = (hint, len(header.columns))
            if best is None or score > best[0]:
                best = (score, name, header)
        if best is None:
            if not any_cells:
                raise EmptyFileError("The spreadsheet is empty.")
            raise NotAnOfstedListError(
                "None of the sheets looks like an Ofsted provider list: no sheet has a "
                "'URN' column and a 'Provision type' column in its first "
                f"{HEADER_SEARCH_ROWS} rows."
            )
        _, name, header = best
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except python_calamine.CalamineError as exc:
        # One message for every kind of damage: the uploader can't act on the difference.
        raise UnreadableFileError(
            "This spreadsheet could not be opened: it may be damaged, password-protected or not "
            "really an .xlsx/.ods file."
        ) from exc
    return rows, name, header


def _open(path_or_file: str | os.PathLike[str] | IO[bytes]) -> bytes:
    if isinstance(path_or_file, str | os.PathLike):
        try:
            return Path(path_or_file).read_bytes()
        except OSError as exc:
            raise UnreadableFileError(f"The file could not be opened ({exc.strerror}).") from exc
    data = path_or_file.read()
    if isinstance(data, str):  # a file opened in text mode
        return data.encode("utf-8")
    return bytes(data)


def _extension(path_or_file: object, filename: str | None) -> str:
    name = filename
    if name is None and isinstance(path_or_file, str | os.PathLike):
        name = os.fspath(path_or_file)
    if name is None:
        name = getattr(path_or_file, "name", None)
    if not isinstance(name, str):
        raise UnsupportedFileTypeError(
            "The file's name is needed to tell its type; pass filename=… with the file."
        )
    extension = Path(name).suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        shown = Path(name).name
        raise UnsupportedFileTypeError(
            f"{shown!r} is not a file type this import reads. "
            "Upload the Ofsted list as a .csv, .xlsx or .ods file."
        )
    return extension


# --------------------------------------------------------------------------------------------
# Rows of cells into providers
# --------------------------------------------------------------------------------------------


def _title(rows: Rows, header_index: int) -> str | None:
    for cells in rows[:header_index]:
        for cell in cells:
            if text := _text(cell):
                return text
    return None


def _parse_rows(
    rows: Rows, header: _Header
) -> tuple[list[OfstedProvider], list[RowError], list[RowError]]:
    providers: list[OfstedProvider] = []
    errors: list[RowError] = []
    notes: list[RowError] = []
    first_row_of_urn: dict[str, int] = {}
    label = {name: header.texts[position] for name, position in header.columns.items()}
    for index in range(header.index + 1, len(rows)):
        cells, row = rows[index], index + 1
        if _is_blank([_cell(cells, position) for position in header.columns.values()]):
            continue  # spacer rows and trailing empty rows are not data
        try:
            urn, provision_type = _row_key(cells, header.columns, first_row_of_urn)
        except _RowRejected as rejected:
            errors.append(RowError(row, label[rejected.field], str(rejected), rejected.field))
            continue
        except _RowSkipped as skipped:
            notes.append(RowError(row, label["provision_type"], str(skipped), "provision_type"))
            continue
        values, redacted, cell_errors = _row_values(cells, header.columns)
        judged = [
            _text(_cell(cells, header.columns[name]))
            for name in _JUDGEMENT_FIELDS
            if name in header.columns
        ]
        if any(values.get(name) for name in _JUDGEMENT_FIELDS):
            inspected = values.get("latest_inspection_date")
            values["judgement_scale"] = judgement_scale(
                judged, inspected if isinstance(inspected, dt.date) else None
            )
        errors += [RowError(row, label[name], message, name) for name, message in cell_errors]
        first_row_of_urn[urn] = row
        providers.append(
            OfstedProvider(
                row=row,
                urn=urn,
                provision_type=provision_type,
                redacted_fields=frozenset(redacted),
                # Each parser's return type matches its field; mypy can't see that through a dict.
                **values,  # type: ignore[arg-type]
            )
        )
    return providers, errors, notes


class _RowSkipped(ValueError):
    """The row is a body Ofsted lists that is not a placement setting: left out, and said."""


#: Provision types on Ofsted's list that are not settings a child can be placed in.
_NOT_SETTINGS: Final = frozenset({"cafcass"})


class _RowRejected(ValueError):
    """The row's key (URN, provision type) is missing or wrong: the whole row is left out."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _cell(cells: Sequence[Cell], position: int) -> Cell:
    # CSV rows can be shorter than the header when trailing cells are empty.
    return cells[position] if position < len(cells) else None


def _row_key(
    cells: Sequence[Cell], columns: Mapping[str, int], first_row_of_urn: Mapping[str, int]
) -> tuple[str, ProvisionType]:
    """The row's URN and provision type, or _RowRejected saying what is wrong with them."""
    urn = _text(_cell(cells, columns["urn"])).replace(" ", "").upper()
    if not urn or _is_redacted(urn):
        raise _RowRejected("urn", "URN is missing.")
    if not _URN.fullmatch(urn):
        raise _RowRejected(
            "urn", f"{urn!r} is not an Ofsted social care URN (SC and 6 digits, or 7 digits)."
        )
    if urn in first_row_of_urn:
        raise _RowRejected(
            "urn", f"URN {urn} already appears on row {first_row_of_urn[urn]}; row ignored."
        )
    type_text = _text(_cell(cells, columns["provision_type"]))
    if not type_text:
        raise _RowRejected("provision_type", "Provision type is missing.")
    if normalise_header(type_text) in _NOT_SETTINGS:
        raise _RowSkipped(f"{type_text} is not a placement setting; row left out.")
    try:
        return urn, parse_provision_type(type_text)
    except ValueError as exc:
        raise _RowRejected("provision_type", f"{exc}.") from exc


def _row_values(
    cells: Sequence[Cell], columns: Mapping[str, int]
) -> tuple[dict[str, object], set[str], list[tuple[str, str]]]:
    """The row's other cells: (values by field, fields redacted, (field, message) for each cell
    that could not be read, which is left out while the rest of the row is kept)."""
    values: dict[str, object] = {}
    redacted: set[str] = set()
    problems: list[tuple[str, str]] = []
    for name, position in columns.items():
        raw = _cell(cells, position)
        text = _text(raw)
        if name in _KEY_FIELDS or not text:
            continue
        if _is_redacted(text):
            redacted.add(name)
            continue
        try:
            values[name] = _FIELD_PARSERS.get(name, _parse_text)(raw, text)
        except _CellError as exc:
            problems.append((name, f"{exc}."))
    return values, redacted, problems


def read_provider_list(
    path_or_file: str | os.PathLike[str] | IO[bytes],
    *,
    filename: str | None = None,
    sheet: str | None = None,
) -> OfstedProviderList:
    """Read an Ofsted provider-level list (.csv, .xlsx or .ods) without touching the database.

    ``path_or_file`` is a path or a binary file object (such as a Django upload); ``filename``
    gives the name to take the file type from when the object has none, and ``sheet`` forces a
    worksheet when the automatic choice is wrong.

    Bad cells become :class:`RowError` entries rather than exceptions, so one typo doesn't stop a
    5,000-row import; only problems with the whole file raise, always an :class:`OfstedFileError`
    subclass whose message can be shown to the uploader as it is.
    """
    extension = _extension(path_or_file, filename)
    data = _open(path_or_file)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise EmptyFileError("The file is empty.")

    sheet_name: str | None = None
    encoding: str | None = None
    if extension == ".csv":
        rows, encoding = _read_csv(data)
        if all(_is_blank(cells) for cells in rows):
            raise EmptyFileError("The file is empty.")
        found = _find_header(rows)
        if found is None:
            raise NotAnOfstedListError(
                "This doesn't look like an Ofsted provider list: no 'URN' and 'Provision type' "
                f"columns were found in its first {HEADER_SEARCH_ROWS} rows."
            )
        header = found
    else:
        rows, sheet_name, header = _read_workbook(data, sheet=sheet)

    providers, errors, notes = _parse_rows(rows, header)
    if not providers and not errors and not notes:
        raise EmptyFileError("The file has column headings but no providers under them.")
    return OfstedProviderList(
        providers=tuple(providers),
        errors=tuple(errors),
        notes=tuple(notes),
        header_row=header.index + 1,
        columns={name: header.texts[position] for name, position in header.columns.items()},
        ignored_columns=tuple(
            text
            for position, text in enumerate(header.texts)
            if text and position not in header.columns.values()
        ),
        title=_title(rows, header.index),
        sheet_name=sheet_name,
        encoding=encoding,
    )
