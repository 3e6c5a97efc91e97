"""The child's profile, one declaration per part: what the officer is asked, how it is shown,
what is kept with a search or referral, and, for an eligibility criterion, how it is matched.

    for criterion in CRITERIA:
        q &= criterion.q(child)                          # the search's SQL
        sentence = criterion.excludes(child, eligibility)  # the same rule, in words

Everything else iterates `PROFILE` (the request form's fields and layout, the profile rows on
the request and referral pages, the profile kept with a search or referral, the service's list
of fields), so a new criterion is one class here, its PlacementRequest field(s) and a migration
(docs/how-to/add-a-criterion.md). `tests/placements/test_criteria.py` proves, for every criterion,
that the SQL filter and the sentence agree on a varied set of settings and children.

The order of `PROFILE` is the request form's, and every list made from it keeps that order: the
profile rows, the exclusion sentences and the match reasons.

Two parts of the profile are matched elsewhere, not against the provider's statements: the
kinds of placement that would suit (`accommodation`: the setting's Ofsted type, the search's
"registered" step) and the brothers and sisters to place together (`siblings_to_place_together`:
the vacancy's places and "solo only", matching's `_restrictions_q`). The case reference is
neither shown to providers nor matched, so it is not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Protocol

from crispy_forms.layout import LayoutObject
from crispy_forms_gds.layout import Field, Fieldset, Fixed, Size
from django import forms
from django.db import models
from django.db.models import Q, TextChoices

from commissioning.models import NeedLevel
from common.formats import label, labels, notice_period, yes_no
from placements.models import (
    URGENCY_NOTICE_DAYS,
    ChildSex,
    PlacementRequest,
    Urgency,
)
from providers.models import (
    Accommodation,
    Capability,
    Communication,
    Eligibility,
    LivingAlongside,
    Need,
    PlacementKind,
    Risk,
)

# The request form's three groups of questions.
ABOUT_THE_CHILD = "About the child"
THE_PLACEMENT = "The placement"
NEEDS_AND_RISKS = "Needs and risks"
SECTIONS = (ABOUT_THE_CHILD, THE_PLACEMENT, NEEDS_AND_RISKS)

YES_NO = [("yes", "Yes"), ("no", "No")]
BOTH_SEXES = ["female", "male"]

# Who the child can live alongside → which settings' arrangements suit them.
ALONGSIDE_SUITS: dict[str, tuple[str, ...]] = {
    LivingAlongside.SOLO_ONLY: (LivingAlongside.SOLO_ONLY,),
    LivingAlongside.ONLY_OLDER: (LivingAlongside.SOLO_ONLY, LivingAlongside.ONLY_OLDER),
    LivingAlongside.ONLY_YOUNGER: (LivingAlongside.SOLO_ONLY, LivingAlongside.ONLY_YOUNGER),
    LivingAlongside.WITH_OTHERS: tuple(LivingAlongside.values),
}


class Child(Protocol):
    """The facts of a request a criterion needs: the request, and the child's age on the day."""

    @property
    def request(self) -> PlacementRequest: ...

    @property
    def age(self) -> int: ...


# --- Form fields (GOV.UK: radios, checkboxes, text inputs with a numeric keyboard) --------------


def number_field(
    label: str, *, required: bool = False, help_text: str = "", invalid: str
) -> forms.IntegerField:
    # GOV.UK asks for a text input with a numeric keyboard rather than type="number".
    return forms.IntegerField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={"invalid": invalid, "required": invalid},
    )


def yes_no_field(label: str, required: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": required},
    )


def radios_field(label: str, choices: Any, required: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required},
    )


def checkboxes_field(
    label: str, choices: Any, *, required: str | None = None
) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        required=required is not None,
        help_text="Select all that apply.",
        error_messages={"required": required or ""},
    )


def model_message(field: str, code: str = "blank") -> str:
    """The words PlacementRequest's own validation uses, so that the form says the same."""
    model_field = PlacementRequest._meta.get_field(field)
    assert isinstance(model_field, models.Field)
    return str(model_field.error_messages[code])


# --- The parts of the profile -------------------------------------------------------------------


class ProfilePart:
    """One part of the child's profile: its PlacementRequest fields, its questions on the request
    form and its rows in a profile summary. Not matched against the provider's statements."""

    fields: ClassVar[tuple[str, ...]]
    section: ClassVar[str]

    def form_fields(self) -> dict[str, forms.Field]:
        raise NotImplementedError

    def layout(self) -> list[LayoutObject]:
        raise NotImplementedError

    def initial(self, request: PlacementRequest) -> dict[str, Any]:
        """The form's starting values for an existing request."""
        return {name: getattr(request, name) for name in self.fields}

    def profile(self, request: PlacementRequest, *, today: Any) -> dict[str, Any]:
        """What is kept of this part with a search or a referral (JSON). Never a name."""
        return {name: _plain(getattr(request, name)) for name in self.fields}

    def rows(self, profile: Mapping[str, Any], *, unstated: str) -> list[tuple[str, str]]:
        """(key, value) rows for a GOV.UK summary list, from the kept profile."""
        raise NotImplementedError

    # The Placements Data Standard's own sections of the record export say this part in the
    # standard's words (brokerage/records.py), so it adds nothing of its own there.
    in_standard: ClassVar[bool] = False

    def record_columns(self) -> list[tuple[str, str, int]]:
        """(key, spreadsheet header, column width) of what this part adds to the record export's
        "demand" section: by default one for each of its summary rows, keyed by its field."""
        if self.in_standard:
            return []
        headers = [label for label, _ in self.rows({}, unstated="None")]
        return [(key, header, 14) for key, header in zip(self.fields, headers, strict=True)]

    def record(self, request: PlacementRequest, *, today: Any) -> dict[str, Any]:
        """What this part adds to the record export's "demand" section, by key: by default its
        summary rows' words."""
        if self.in_standard:
            return {}
        words = [text for _, text in self.rows(self.profile(request, today=today), unstated="None")]
        return dict(zip([key for key, _, _ in self.record_columns()], words, strict=True))


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


class Criterion(ProfilePart):
    """A part of the profile matched against the provider's stated criteria (its Eligibility).
    `q` and `excludes` are one rule twice: in SQL over Setting, and in words for one setting."""

    def q(self, child: Child) -> Q:
        """The settings whose statements admit the child on this criterion (Q() for all)."""
        raise NotImplementedError

    def excludes(self, child: Child, eligibility: Eligibility) -> str | None:
        """Why this setting's statements exclude the child, or None when they do not."""
        raise NotImplementedError

    def reason(self, child: Child, eligibility: Eligibility) -> str | None:
        """What the officer is told in the match's reasons (None: nothing to say)."""
        return None


class _Choice(Criterion):
    """One radio question whose answer must be among the provider's statements."""

    field: ClassVar[str]
    choices: ClassVar[type[TextChoices]]
    label: ClassVar[str]
    question: ClassVar[str]

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.field,)

    def form_fields(self) -> dict[str, forms.Field]:
        required = model_message(self.field)
        return {self.field: radios_field(self.question, self.choices.choices, required)}

    def layout(self) -> list[LayoutObject]:
        return [Field.radios(self.field, legend_size=Size.SMALL)]

    def rows(self, profile: Mapping[str, Any], *, unstated: str) -> list[tuple[str, str]]:
        return [(self.label, label(profile.get(self.field, ""), self.choices))]


class _Flag(Criterion):
    """A yes/no about the child that the setting must have said yes to."""

    field: ClassVar[str]
    eligibility_field: ClassVar[str]
    question: ClassVar[str]
    required: ClassVar[str]
    label: ClassVar[str]
    refusal: ClassVar[str]
    match_reason: ClassVar[str]
    section = NEEDS_AND_RISKS

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.field,)

    def form_fields(self) -> dict[str, forms.Field]:
        return {self.field: yes_no_field(self.question, self.required)}

    def layout(self) -> list[LayoutObject]:
        return [Field.radios(self.field, legend_size=Size.SMALL, inline=True)]

    def initial(self, request: PlacementRequest) -> dict[str, Any]:
        return {self.field: "yes" if getattr(request, self.field) else "no"}

    def rows(self, profile: Mapping[str, Any], *, unstated: str) -> list[tuple[str, str]]:
        return [(self.label, yes_no(profile.get(self.field)))]

    def q(self, child: Child) -> Q:
        if getattr(child.request, self.field):
            return Q(**{f"eligibility__{self.eligibility_field}": True})
        return Q()

    def excludes(self, child: Child, eligibility: Eligibility) -> str | None:
        if getattr(child.request, self.field) and not getattr(eligibility, self.eligibility_field):
            return self.refusal
        return None

    def reason(self, child: Child, eligibility: Eligibility) -> str | None:
        return self.match_reason if getattr(child.request, self.field) else None


class Age(Criterion):
    """Either the age in years, or the month and year of birth (the more exact, when given)."""

    fields = ("age_years", "birth_month", "birth_year")
    section = ABOUT_THE_CHILD

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "age_years": number_field(
                "Age in years", invalid=model_message("age_years", "invalid")
            ),
            "birth_month": number_field(
                "Month of birth",
                help_text="A number from 1 to 12",
                invalid=model_message("birth_month", "invalid"),
            ),
            "birth_year": number_field(
                "Year of birth",
                help_text="For example, 2012",
                invalid=model_message("birth_year", "invalid"),
            ),
        }

    def layout(self) -> list[LayoutObject]:
        return [
            Fieldset(
                Field.text("age_years", field_width=Fixed.TWO),
                Field.text("birth_month", field_width=Fixed.TWO),
                Field.text("birth_year", field_width=Fixed.FOUR),
                legend="Age: enter either the age in years, or the month and year of birth",
                legend_size=Size.SMALL,
            )
        ]

    def profile(self, request: PlacementRequest, *, today: Any) -> dict[str, Any]:
        # Only the age: a month and year of birth would say more than a provider needs.
        return {"age": request.age_on(today)}

    def rows(self, profile: Mapping[str, Any], *, unstated: str) -> list[tuple[str, str]]:
        return [("Age", str(profile.get("age", "")))]

    def record_columns(self) -> list[tuple[str, str, int]]:
        return [("age", "Age", 6)]

    def record(self, request: PlacementRequest, *, today: Any) -> dict[str, Any]:
        return {"age": request.age_on(today)}

    def q(self, child: Child) -> Q:
        return Q(eligibility__min_age__lte=child.age, eligibility__max_age__gte=child.age)

    def excludes(self, child: Child, eligibility: Eligibility) -> str | None:
        if eligibility.min_age <= child.age <= eligibility.max_age:
            return None
        ages = f"{eligibility.min_age} to {eligibility.max_age}"
        return f"It takes ages {ages}; the child is {child.age}"


class Sexes(_Choice):
    field = "sex"
    choices = ChildSex
    label = "Sex"
    question = "Sex"
    section = ABOUT_THE_CHILD

    def layout(self) -> list[LayoutObject]:
        return [Field.radios("sex", legend_size=Size.SMALL, inline=True)]

    def record_columns(self) -> list[tuple[str, str, int]]:
        return [("sex", "Sex", 10)]

    def record(self, request: PlacementRequest, *, today: Any) -> dict[str, Any]:
        return {"sex": str(ChildSex(request.sex).label)}

    @staticmethod
    def wanted(child: Child) -> list[str]:
        """A child whose sex is not stated needs a setting that takes both."""
        sex = child.request.sex
        return BOTH_SEXES if sex == ChildSex.NOT_STATED else [sex]

    def q(self, child: Child) -> Q:
        return Q(eligibility__sexes__contains=self.wanted(child))

    def excludes(self, child: Child, eligibility: Eligibility) -> str | None:
        if set(self.wanted(child)) <= set(eligibility.sexes):
            return None
        return f"It takes {eligibility.sexes_display.lower()}"


class Notice(_Choice):
    """When the child must move, against the notice the setting needs."""

    in_standard = True

    field = "urgency"
    choices = Urgency
    label = "When the child needs to move"
    question = "When does the child need to move?"
    section = THE_PLACEMENT

    def q(self, child: Child) -> Q:
        notice = URGENCY_NOTICE_DAYS[child.request.urgency]
        return Q() if notice is None else Q(eligibility__minimum_notice_days__lte=notice)

    def excludes(self, child: Child, eligibility: Eligibility) -> str | None:
        notice = URGENCY_NOTICE_DAYS[child.request.urgency]
        if notice is None or eligibility.minimum_notice_days <= notice:
            return None
        return f"It needs {notice_period(eligibility.minimum_notice_days)}"


class Kind(_Choice):
    field = "placement_kind"
    choices = PlacementKind
    label = "Kind of placement"
    question = "Kind of placement"
    section = THE_PLACEMENT

    def record_columns(self) -> list[tuple[str, str, int]]:
        return [("placement_kind", "Kind of placement", 14)]

    def record(self, request: PlacementRequest, *, today: Any) -> dict[str, Any]:
        return {"placement_kind": str(PlacementKind(request.placement_kind).label)}

    def q(self, child: Child) -> Q:
        return Q(eligibility__placement_kinds__contains=[child.request.placement_kind])

    def excludes(self, child: Child, eligibility: Eligibility) -> str | None:
        kind = child.request.placement_kind
        if kind in eligibility.placement_kinds:
            return None
        return f"It does not take {PlacementKind(kind).label.lower()} placements"


class Suits(ProfilePart):
    """The kinds of placement that would suit: matched on the setting's Ofsted type."""

    in_standard = True

    fields = ("accommodation",)
    section = THE_PLACEMENT

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "accommodation": checkboxes_field(
                "Placements that would suit the child",
                Accommodation.choices,
                required=model_message("accommodation"),
            )
        }

    def layout(self) -> list[LayoutObject]:
        return [Field.checkboxes("accommodation", legend_size=Size.SMALL)]

    def rows(self, profile: Mapping[str, Any], *, unstated: str) -> list[tuple[str, str]]:
        value = labels(profile.get("accommodation", []), Accommodation)
        return [("Placements that would suit", value)]


class Siblings(ProfilePart):
    """Brothers and sisters placed together: matched on the vacancy's places and solo rule."""

    in_standard = True

    fields = ("siblings_to_place_together",)
    section = THE_PLACEMENT

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "siblings_to_place_together": number_field(
                "Brothers and sisters to be placed with the child",
                required=True,
                help_text="0 if none.",
                invalid=model_message("siblings_to_place_together", "invalid"),
            )
        }

    def layout(self) -> list[LayoutObject]:
        return [Field.text("siblings_to_place_together", field_width=Fixed.TWO)]

    def rows(self, profile: Mapping[str, Any], *, unstated: str) -> list[tuple[str, str]]:
        siblings = profile.get("siblings_to_place_together") or 0
        return [("Brothers and sisters placed with them", str(siblings) if siblings else "None")]


class Alongside(_Choice):
    in_standard = True
    field = "living_alongside"
    choices = LivingAlongside
    label = "Can live alongside"
    question = "Who can the child live alongside?"
    section = THE_PLACEMENT

    def q(self, child: Child) -> Q:
        return Q(eligibility__living_alongside__in=ALONGSIDE_SUITS[child.request.living_alongside])

    def excludes(self, child: Child, eligibility: Eligibility) -> str | None:
        if eligibility.living_alongside in ALONGSIDE_SUITS[child.request.living_alongside]:
            return None
        arrangement = LivingAlongside(eligibility.living_alongside).label.lower()
        return f"Its arrangement ({arrangement}) does not suit whom the child can live with"


class Pet(_Flag):
    in_standard = True
    field = "has_pet"
    eligibility_field = "accepts_pets"
    question = "Does the child have a pet that needs to come with them?"
    required = "Select yes if the child has a pet that needs to come with them"
    label = "Has a pet that comes with them"
    refusal = "It does not accept pets"
    match_reason = "Accepts pets"


class DeprivationOfLiberty(_Flag):
    in_standard = True
    field = "deprivation_of_liberty"
    eligibility_field = "can_meet_deprivation_of_liberty"
    question = "Is the child subject to a deprivation of liberty order?"
    required = "Select yes if the child is subject to a deprivation of liberty order"
    label = "Deprivation of liberty order"
    refusal = "It cannot care for a child under a deprivation of liberty order"
    match_reason = "Can care for a child under a deprivation of liberty order"


class Adaptation(_Flag):
    in_standard = True
    field = "needs_adaptation"
    eligibility_field = "adapted_for_physical_disability"
    question = "Does the child need a home adapted for physical disability?"
    required = "Select yes if the child needs a home adapted for physical disability"
    label = "Needs a home adapted for physical disability"
    refusal = "It is not adapted for physical disability"
    match_reason = "Adapted for physical disability"


class Communicates(Criterion):
    """Every way of communicating the child needs, the setting must support."""

    in_standard = True

    fields = ("communication",)
    section = NEEDS_AND_RISKS

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "communication": checkboxes_field(
                "Communication the child needs (optional)", Communication.choices
            )
        }

    def layout(self) -> list[LayoutObject]:
        return [Field.checkboxes("communication", legend_size=Size.SMALL, small=True)]

    def rows(self, profile: Mapping[str, Any], *, unstated: str) -> list[tuple[str, str]]:
        return [("Communication", labels(profile.get("communication", []), Communication))]

    def q(self, child: Child) -> Q:
        needed = list(child.request.communication)
        return Q(eligibility__communication__contains=needed) if needed else Q()

    def excludes(self, child: Child, eligibility: Eligibility) -> str | None:
        missing = [c for c in child.request.communication if c not in eligibility.communication]
        if not missing:
            return None
        return "It does not communicate in " + labels(missing, Communication)

    def reason(self, child: Child, eligibility: Eligibility) -> str | None:
        if not child.request.communication:
            return None
        return "Communicates in " + labels(child.request.communication, Communication)


class Capabilities(Criterion):
    """The child's risks and needs, against what the setting says of each: can meet, will
    consider or cannot meet. Only "cannot meet" excludes; the rest is the match's fit
    (docs/matching.md), which `fit` gives with its reasons and concerns."""

    fields = ("risks", "needs")
    section = NEEDS_AND_RISKS
    FIT: ClassVar[dict[str, float]] = {
        Capability.CAN_MEET.value: 1.0,
        Capability.WILL_CONSIDER.value: 0.5,
    }
    FIT_NOT_STATED = 0.25

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "risks": checkboxes_field("Risks (optional)", Risk.choices),
            "needs": checkboxes_field("Needs (optional)", Need.choices),
        }

    def layout(self) -> list[LayoutObject]:
        return [
            Field.checkboxes("risks", legend_size=Size.SMALL, small=True),
            Field.checkboxes("needs", legend_size=Size.SMALL, small=True),
        ]

    def rows(self, profile: Mapping[str, Any], *, unstated: str) -> list[tuple[str, str]]:
        return [
            ("Risks", labels(profile.get("risks", []), Risk, unstated)),
            ("Needs", labels(profile.get("needs", []), Need, unstated)),
        ]

    def record_columns(self) -> list[tuple[str, str, int]]:
        return [("needs", "Needs", 24)]  # the risks are the standard's own flags

    def record(self, request: PlacementRequest, *, today: Any) -> dict[str, Any]:
        return {"needs": [label(code, Need) for code in request.needs]}

    @staticmethod
    def present(child: Child) -> list[str]:
        return [*child.request.risks, *child.request.needs]

    def q(self, child: Child) -> Q:
        q = Q()
        for risk in child.request.risks:
            q &= ~Q(eligibility__risks__contains={risk: Capability.CANNOT_MEET.value})
        for need in child.request.needs:
            q &= ~Q(eligibility__needs__contains={need: Capability.CANNOT_MEET.value})
        return q

    def excludes(self, child: Child, eligibility: Eligibility) -> str | None:
        cannot = self._stated(child, eligibility, Capability.CANNOT_MEET)
        return f"It cannot meet: {capability_labels(cannot)}" if cannot else None

    def fit(
        self, child: Child, eligibility: Eligibility, reasons: list[str], concerns: list[str]
    ) -> float:
        """How well the setting meets the child's risks and needs, from 0 to 1 (1 with none)."""
        stated = {**eligibility.risks, **eligibility.needs}
        present = self.present(child)
        can = self._stated(child, eligibility, Capability.CAN_MEET)
        consider = self._stated(child, eligibility, Capability.WILL_CONSIDER)
        unknown = [code for code in present if code not in stated]
        if can:
            reasons.append(f"Can meet: {capability_labels(can)}")
        if consider:
            concerns.append(f"Will consider (not a firm yes): {capability_labels(consider)}")
        if unknown:
            concerns.append(f"Has not said whether it can meet: {capability_labels(unknown)}")
        if not present:
            return 1.0
        total = sum(self.FIT.get(stated.get(code, ""), self.FIT_NOT_STATED) for code in present)
        return total / len(present)

    def _stated(self, child: Child, eligibility: Eligibility, capability: str) -> list[str]:
        stated = {**eligibility.risks, **eligibility.needs}
        return [code for code in self.present(child) if stated.get(code) == capability]


NOT_ASSESSED = "Not assessed"


class NeedBand(ProfilePart):
    """The band the officer judges the child's needs are priced at. Not a criterion: it excludes
    no setting, it picks which of a framework member's tendered rates the search shows."""

    fields = ("need_level",)
    section = NEEDS_AND_RISKS
    label = "Need level (for framework rates)"

    def form_fields(self) -> dict[str, forms.Field]:
        return {
            "need_level": forms.ChoiceField(
                label="Need level (optional)",
                help_text="The band the child's needs are priced at on your frameworks. It picks "
                "which tendered rate the search shows; it excludes no setting.",
                choices=[("", NOT_ASSESSED), *NeedLevel.choices],
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": model_message("need_level", "invalid_choice")},
            )
        }

    def layout(self) -> list[LayoutObject]:
        return [Field.radios("need_level", legend_size=Size.SMALL, small=True)]

    def rows(self, profile: Mapping[str, Any], *, unstated: str) -> list[tuple[str, str]]:
        code = profile.get("need_level") or ""
        return [(self.label, str(dict(NeedLevel.choices).get(code, NOT_ASSESSED)))]


def capability_labels(codes: Iterable[str]) -> str:
    """A child's risks and needs (codes from both lists) as their labels."""
    return labels(codes, (Risk, Need), "")


CAPABILITIES = Capabilities()

# In the request form's order; every list made from it keeps this order.
PROFILE: tuple[ProfilePart, ...] = (
    Age(),
    Sexes(),
    Notice(),
    Kind(),
    Suits(),
    Siblings(),
    Alongside(),
    Pet(),
    DeprivationOfLiberty(),
    Adaptation(),
    Communicates(),
    CAPABILITIES,
    NeedBand(),
)
CRITERIA: tuple[Criterion, ...] = tuple(part for part in PROFILE if isinstance(part, Criterion))
PROFILE_FIELDS: tuple[str, ...] = tuple(name for part in PROFILE for name in part.fields)


def criteria_q(child: Child) -> Q:
    """Every criterion admits the child (a setting that has stated none is not admitted)."""
    q = Q(eligibility__isnull=False)
    for criterion in CRITERIA:
        q &= criterion.q(child)
    return q


def exclusions(child: Child, eligibility: Eligibility) -> list[str]:
    """Each criterion's sentence saying why the setting's statements exclude the child."""
    return [
        sentence for criterion in CRITERIA if (sentence := criterion.excludes(child, eligibility))
    ]


def match_reasons(child: Child, eligibility: Eligibility) -> list[str]:
    return [reason for criterion in CRITERIA if (reason := criterion.reason(child, eligibility))]


def profile_record(request: PlacementRequest, *, today: Any) -> dict[str, Any]:
    """The profile as it is kept with a search or a referral (JSON), part by part."""
    record: dict[str, Any] = {}
    for part in PROFILE:
        record |= part.profile(request, today=today)
    return record


def profile_rows(profile: Mapping[str, Any], *, unstated: str = "None") -> list[tuple[str, str]]:
    """The kept profile as (key, value) rows for a GOV.UK summary list, part by part.
    `unstated`: what the risks and needs rows say when there are none."""
    return [row for part in PROFILE for row in part.rows(profile, unstated=unstated)]


def record_of(request: PlacementRequest, *, today: Any) -> dict[str, Any]:
    """What the parts add to the record export's "demand" section, part by part."""
    record: dict[str, Any] = {}
    for part in PROFILE:
        record |= part.record(request, today=today)
    return record


def record_columns() -> list[tuple[str, str, int]]:
    """(key, header, width) of those, for the export's spreadsheet."""
    return [column for part in PROFILE for column in part.record_columns()]


def form_fields() -> dict[str, forms.Field]:
    """Fresh form fields for every question of the profile, in order."""
    return {name: field for part in PROFILE for name, field in part.form_fields().items()}


def section_layout(section: str) -> list[LayoutObject]:
    return [item for part in PROFILE if part.section == section for item in part.layout()]


def form_initial(request: PlacementRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for part in PROFILE:
        initial |= part.initial(request)
    return initial


class ChildOn:
    """A request with the child's age on a given day: what `Child` asks for, for one setting."""

    def __init__(self, request: PlacementRequest, age: int) -> None:
        self.request = request
        self.age = age
