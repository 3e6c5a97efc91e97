"""The Placements Data Standard v2 as code: its JSON Schema, and a child's request in its words
both ways (export and import).

The standard (SocialCareData/placements-standard) is vendored verbatim under
docs/standards/placements-standard/ (its `placements.json`: entities, each with fields of a
`name`, `type`, `cardinality` and, for a categorical field, `options`). `record_schema()` turns
that file into a JSON Schema (draft 2020-12), so the schema is the standard's own field list and
changes only when the vendored file does:

- a record is an object of the standard's entities, keyed by the entity's `name` exactly as the
  standard spells it (`PlacementAvailability`, `Risks`: PascalCase, as specification.md names
  the record `Placement`), each an object of its fields keyed by the field's `name` (camelCase:
  `childId`, `neededBy`); nothing else inside an entity;
- cardinality `1..1`: required, never null; `0..1`: optional and nullable; `1..*` / `0..*`: an
  array (at least one item for `1..*`); `options` → an `enum` (of each item, for an array);
- types: Integer → integer, Decimal/Number → number, String → string, Boolean → boolean, Date →
  string in `date` format (checked), Categorical → its options;
- which entities a record holds is not said by the standard, which describes two moments: the
  referral (the first four entities, required) and the placement agreed (`ActualPlacement` and
  `QualityAssurance`, whose fields are nearly all 1..1 and known only then: optional as a whole,
  complete when present);
- `extensions` (our additions, any object) is allowed beside the entities; `record_schema(
  extensions=False)` is the standard alone, for a consumer's clean check.

`referral_entities` says a request in the standard's words (the export, brokerage/records.py,
adds the placement); `placement_request_import` is the reverse: a record in the standard's shape,
from an LA's own system through the API, becomes a new open request of that LA. Mapping both
ways (the README's "Placements Data Standard" section says the same for users):

- `childId` ↔ on export our request id; on import the case reference is `extensions.
  localIdentifier` when given, else `childId` (a number, so it passes the reference's rules);
- `neededBy` ↔ urgency; `siblingCount` ↔ siblings to place together (null: 0);
  `preferredLocation` is exported from the latest search's area and not read on import (it is
  free text, and a search is chosen on the search page);
- `communicationNeeds` / `specificCommunicationRequirements` ↔ communication (ESOL, BSL,
  Makaton; "Other" cannot be kept: refused); `homeAdaptation` ↔ needs adaptation;
  `culturalNeeds` and `additionalSupport` are not held: "Not Known" / null out, ignored in;
- `livingCompanions` ↔ who the child can live alongside ("No preference" in: with others, which
  every setting's arrangement suits); `pets`: "Yes - must" ↔ has a pet that comes with them;
  out, "No" when harm to animals is a present risk, else "Not Known";
- suitability: out, a kind marked as suiting is "Preferred" when it is the only one, else
  "Suitable but not preferred", the others "Unsuitable"; in, the kinds "Preferred" or "Suitable
  but not preferred" (at least one);
- `Risks`: the eleven flags ↔ our risks; the two "Other" free-text flags are never held (null
  out, refused in: the service keeps no free text about a child);
- `ActualPlacement` is refused in (a new referral has no placement); `QualityAssurance` is
  ignored in (the request records who made it and when itself);
- `extensions.profile`: the rest of the profile the standard does not carry (sex, age or month
  and year of birth, home postcode district, kind of placement, needs, need level), in our own
  codes (placements/models.py), camelCase; required in where our rules require them (sex, age).

Errors are a list of `{"field": path, "message": …}`, the path in the standard's names
(`PlacementRequirements.pets`, `extensions.profile.sex`, `…specificCommunicationRequirements[0]`):
the schema's first, and only when the record fits the schema, our own rules' (the same messages
as the request form's).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaError

from placements.models import ChildSex, PlacementRequest, Urgency
from placements.services import placement_request_create
from providers.models import Accommodation, Communication, LivingAlongside, Risk

if TYPE_CHECKING:
    from accounts.models import User

SPEC_PATH = Path(settings.BASE_DIR) / "docs" / "standards" / "placements-standard"
SCHEMA_ID = "urn:placement-finder:placements-standard-v2:record"
REFERRAL_ENTITIES = (
    "PlacementAvailability",
    "PlacementRequirements",
    "PlacementRecommendation",
    "Risks",
)
PLACEMENT_ENTITIES = ("ActualPlacement", "QualityAssurance")
EXTENSIONS = "extensions"

TYPES = {
    "Integer": {"type": "integer"},
    "Decimal": {"type": "number"},
    "Number": {"type": "number"},
    "String": {"type": "string"},
    "Boolean": {"type": "boolean"},
    "Date": {"type": "string", "format": "date"},
    "Categorical": {"type": "string"},
}


# The standard's own file and the schema built from it ------------------------------------------


@functools.cache
def standard() -> dict[str, Any]:
    """The vendored placements.json, as the standard publishes it."""
    with (SPEC_PATH / "placements.json").open(encoding="utf-8") as spec:
        loaded: dict[str, Any] = json.load(spec)
    return loaded


def _field_schema(field: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """One field's schema and whether it is required, from its type, cardinality and options."""
    kind = field["type"]
    if kind not in TYPES:
        raise ValueError(f"The standard's field {field['name']} has an unknown type {kind}")
    value: dict[str, Any] = dict(TYPES[kind])
    if field.get("options"):
        value["enum"] = list(field["options"])
    low, _, high = str(field["cardinality"]).partition("..")
    required = low == "1"
    if high == "*":
        schema: dict[str, Any] = {"type": "array", "items": value}
        if required:
            schema["minItems"] = 1
    elif required:
        schema = value
    else:
        schema = {**value, "type": [value["type"], "null"]}
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    schema["description"] = field.get("description", "")
    return schema, required


def _entity_schema(entity: Mapping[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in entity["fields"]:
        properties[field["name"]], needed = _field_schema(field)
        if needed:
            required.append(field["name"])
    return {
        "type": "object",
        "description": entity.get("description", ""),
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def standard_schema(spec: Mapping[str, Any], *, extensions: bool = True) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for one record, from a placements.json (module docstring)."""
    entities = {entity["name"]: _entity_schema(entity) for entity in spec["entities"]}
    properties: dict[str, Any] = dict(entities)
    if extensions:
        properties[EXTENSIONS] = {
            "type": "object",
            "description": "Not in the standard: this service's additions.",
        }
    metadata = spec.get("metadata", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"{metadata.get('title', 'Placements Data Standard')} {metadata.get('version')}",
        "type": "object",
        "properties": properties,
        "required": [name for name in REFERRAL_ENTITIES if name in entities],
        "additionalProperties": False,
    }


@functools.cache
def _record_schema(extensions: bool) -> dict[str, Any]:
    return standard_schema(standard(), extensions=extensions)


def record_schema(*, extensions: bool = True) -> dict[str, Any]:
    """The schema for one record of the vendored standard (a fresh copy: callers may change it)."""
    return json.loads(json.dumps(_record_schema(extensions)))


@dataclass(frozen=True)
class FieldError:
    field: str  # the standard's path: "PlacementRequirements.pets"
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _schema_error(error: SchemaError) -> FieldError:
    parts = list(error.absolute_path)
    if error.validator == "required":
        missing = re.match(r"'([^']+)' is a required property", error.message)
        if missing:
            return FieldError(_path([*parts, missing.group(1)]), "This field is required")
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        where = _path(parts) or "the record"
        if extra:
            return FieldError(_path([*parts, extra[0]]), f"Not a field of {where} in the standard")
    if error.validator == "enum":
        options = [option for option in error.validator_value if option is not None]
        return FieldError(
            _path(parts), f"{error.instance!r} is not allowed: must be one of {', '.join(options)}"
        )
    return FieldError(_path(parts) or "record", error.message)


def schema_errors(record: Any, *, extensions: bool = True) -> list[FieldError]:
    """What the standard's schema finds wrong with a record (JSON data), each by its path."""
    validator = Draft202012Validator(_record_schema(extensions), format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path])
    return [_schema_error(error) for error in errors]


# Our request in the standard's words -----------------------------------------------------------

NEEDED_BY = {
    Urgency.TODAY: "Today",
    Urgency.WITHIN_5_DAYS: "in less than 5 days",
    Urgency.OVER_5_DAYS: "in more than 5 days",
}
LIVING_COMPANIONS = {
    LivingAlongside.SOLO_ONLY: "Solo placement recommended",
    LivingAlongside.WITH_OTHERS: "With other children recommended",
    LivingAlongside.ONLY_OLDER: "Only with other older children",
    LivingAlongside.ONLY_YOUNGER: "Only with other younger children",
}
NO_PREFERENCE = "No preference"
COMMUNICATION = {
    Communication.ESOL: "ESOL",
    Communication.BSL: "BSL",
    Communication.MAKATON: "Makaton",
}
SUITABILITY = {
    "fosterCareSuitability": Accommodation.FOSTER,
    "residentialCareSuitability": Accommodation.RESIDENTIAL,
    "supportedAccommodationSuitability": Accommodation.SUPPORTED,
}
PREFERRED = "Preferred"
SUITABLE = "Suitable but not preferred"
UNSUITABLE = "Unsuitable"
# The standard's thirteen risk flags: our risk for each (None: an "Other" free-text flag, which we
# never hold), and the standard's own description for the spreadsheet's header.
RISKS: tuple[tuple[str, Risk | None, str], ...] = (
    ("riskSelfHarm", Risk.SELF_HARM, "Risk to child: Self-harm"),
    ("riskSexualExploitation", Risk.SEXUAL_EXPLOITATION, "Risk to child: Sexual exploitation"),
    (
        "riskCriminalExploitation",
        Risk.CRIMINAL_EXPLOITATION,
        "Risk to child: Criminal exploitation",
    ),
    ("riskDrugAlcohol", Risk.DRUGS_AND_ALCOHOL, "Risk to child: Drug and alcohol use"),
    ("riskEatingDisorder", Risk.EATING_DISORDER, "Risk to child: Eating disorder"),
    ("riskMissing", Risk.GOING_MISSING, "Risk to child: Going missing"),
    ("riskOther", None, "Risk to child: Other"),
    (
        "riskToOthersPhysical",
        Risk.PHYSICAL_HARM_TO_OTHERS,
        "Risk to others or property: Physical harm",
    ),
    ("riskToOthersSexual", Risk.SEXUAL_HARM_TO_OTHERS, "Risk to others or property: Sexual harm"),
    ("riskToOthersFire", Risk.FIRE_SETTING, "Risk to others or property: Fire-setting"),
    ("riskToOthersAnimals", Risk.HARM_TO_ANIMALS, "Risk to others or property: Harm to animals"),
    (
        "riskToOthersCriminal",
        Risk.CRIMINAL_EXPLOITATION_OF_OTHERS,
        "Risk to others or property: Criminal exploitation",
    ),
    ("riskToOthersOther", None, "Risk to others or property: Other"),
)
RISK_PRESENT = "Risk Present"
NO_KNOWN_RISK = "No known risk"
# The profile the standard does not carry, kept in `extensions.profile` under these keys.
EXTENSION_PROFILE = {
    "sex": "sex",
    "ageYears": "age_years",
    "birthMonth": "birth_month",
    "birthYear": "birth_year",
    "homeDistrict": "home_district",
    "placementKind": "placement_kind",
    "needs": "needs",
    "needLevel": "need_level",
}


def _pets(request: PlacementRequest) -> str:
    if request.has_pet:
        return "Yes - must"
    if Risk.HARM_TO_ANIMALS in request.risks:
        return "No"
    return "Not Known"


def _suitability(request: PlacementRequest, kind: str) -> str:
    if kind not in request.accommodation:
        return UNSUITABLE
    return PREFERRED if len(request.accommodation) == 1 else SUITABLE


def referral_entities(
    request: PlacementRequest, *, preferred_location: str | None
) -> dict[str, dict[str, Any]]:
    """The request in the standard's four referral entities (module docstring)."""
    communication = [COMMUNICATION[Communication(c)] for c in request.communication]
    return {
        "PlacementAvailability": {
            "childId": request.pk,
            "neededBy": NEEDED_BY[Urgency(request.urgency)],
            "siblingCount": request.siblings_to_place_together,
            "preferredLocation": preferred_location or None,
        },
        "PlacementRequirements": {
            "communicationNeeds": "Y" if communication else "N",
            "specificCommunicationRequirements": communication or ["None"],
            "homeAdaptation": request.needs_adaptation,
            "culturalNeeds": "Not Known",
            "livingCompanions": LIVING_COMPANIONS[LivingAlongside(request.living_alongside)],
            "pets": _pets(request),
            "additionalSupport": None,
            "deprivationOfLiberty": request.deprivation_of_liberty,
        },
        "PlacementRecommendation": {
            name: _suitability(request, kind) for name, kind in SUITABILITY.items()
        },
        "Risks": {
            name: (
                None if risk is None else RISK_PRESENT if risk in request.risks else NO_KNOWN_RISK
            )
            for name, risk, _ in RISKS
        },
    }


def extension_profile(request: PlacementRequest) -> dict[str, Any]:
    """The profile the standard does not carry, in our codes (module docstring)."""
    profile: dict[str, Any] = {}
    for key, name in EXTENSION_PROFILE.items():
        value = getattr(request, name)
        profile[key] = list(value) if isinstance(value, list) else value
    return profile


# The standard's words back into a request -------------------------------------------------------


class RecordInvalid(Exception):
    """A record that cannot become a request: every problem, by the standard's path."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


Fields = dict[str, Any]
Problems = list[FieldError]

# Our field → where the standard (or our extension) holds it, for our rules' errors.
FIELD_PATHS = {
    "reference": "PlacementAvailability.childId",
    "urgency": "PlacementAvailability.neededBy",
    "siblings_to_place_together": "PlacementAvailability.siblingCount",
    "communication": "PlacementRequirements.specificCommunicationRequirements",
    "needs_adaptation": "PlacementRequirements.homeAdaptation",
    "living_alongside": "PlacementRequirements.livingCompanions",
    "has_pet": "PlacementRequirements.pets",
    "deprivation_of_liberty": "PlacementRequirements.deprivationOfLiberty",
    "accommodation": "PlacementRecommendation",
    "risks": "Risks",
    **{name: f"{EXTENSIONS}.profile.{key}" for key, name in EXTENSION_PROFILE.items()},
}


def _availability(
    record: Mapping[str, Any], fields: dict[str, Any], errors: list[FieldError]
) -> None:
    availability = record["PlacementAvailability"]
    local = (record.get(EXTENSIONS) or {}).get("localIdentifier")
    fields["reference"] = str(local) if local not in (None, "") else str(availability["childId"])
    needed_by = availability.get("neededBy")
    if needed_by is None:
        errors.append(
            FieldError("PlacementAvailability.neededBy", "Say when the placement is needed by")
        )
    else:
        fields["urgency"] = {words: code for code, words in NEEDED_BY.items()}[needed_by]
    fields["siblings_to_place_together"] = availability.get("siblingCount") or 0


def _communication(requirements: Mapping[str, Any], errors: list[FieldError]) -> list[str]:
    by_words = {words: code for code, words in COMMUNICATION.items()}
    specific = requirements["specificCommunicationRequirements"]
    path = "PlacementRequirements.specificCommunicationRequirements"
    for index, words in enumerate(specific):
        if words == "Other":
            errors.append(
                FieldError(
                    f"{path}[{index}]",
                    "The service can keep only ESOL, BSL or Makaton: say the other need to the "
                    "provider when you send a referral",
                )
            )
    if "None" in specific and len(specific) > 1:
        errors.append(FieldError(path, '"None" cannot be given with another requirement'))
    chosen: list[str] = [by_words[w] for w in specific if w in by_words]
    needs = requirements["communicationNeeds"]
    if (needs == "N" and chosen) or (needs == "Y" and specific == ["None"]):
        errors.append(
            FieldError(
                "PlacementRequirements.communicationNeeds",
                f'Is "{needs}", which the specific communication requirements contradict',
            )
        )
    return chosen


def _requirements(
    record: Mapping[str, Any], fields: dict[str, Any], errors: list[FieldError]
) -> None:
    requirements = record["PlacementRequirements"]
    fields["communication"] = _communication(requirements, errors)
    fields["needs_adaptation"] = requirements["homeAdaptation"]
    companions = requirements["livingCompanions"]
    fields["living_alongside"] = (
        LivingAlongside.WITH_OTHERS
        if companions == NO_PREFERENCE
        else {words: code for code, words in LIVING_COMPANIONS.items()}[companions]
    )
    fields["has_pet"] = requirements["pets"] == "Yes - must"
    fields["deprivation_of_liberty"] = bool(requirements.get("deprivationOfLiberty"))


def _recommendation_and_risks(
    record: Mapping[str, Any], fields: dict[str, Any], errors: list[FieldError]
) -> None:
    recommendation = record["PlacementRecommendation"]
    fields["accommodation"] = [
        kind for name, kind in SUITABILITY.items() if recommendation[name] in (PREFERRED, SUITABLE)
    ]
    preferred = [name for name in SUITABILITY if recommendation[name] == PREFERRED]
    if len(preferred) > 1:
        errors.append(
            FieldError(
                f"PlacementRecommendation.{preferred[1]}",
                "Only one kind of placement can be preferred: mark the others "
                '"Suitable but not preferred"',
            )
        )
    risks = record["Risks"]
    fields["risks"] = [
        risk for name, risk, _ in RISKS if risk is not None and risks[name] == RISK_PRESENT
    ]
    for name, risk, _ in RISKS:
        if risk is None and risks.get(name):
            errors.append(
                FieldError(
                    f"Risks.{name}",
                    "Leave this empty: the service keeps no free text about a child. Choose "
                    "from the listed risks",
                )
            )
    if record.get("ActualPlacement") is not None:
        errors.append(
            FieldError("ActualPlacement", "A new referral has no placement: leave this out")
        )


def _extensions(
    record: Mapping[str, Any], fields: dict[str, Any], errors: list[FieldError]
) -> None:
    profile = (record.get(EXTENSIONS) or {}).get("profile") or {}
    if not isinstance(profile, Mapping):
        errors.append(FieldError(f"{EXTENSIONS}.profile", "Must be an object"))
        profile = {}
    for key in sorted(set(profile) - set(EXTENSION_PROFILE)):
        errors.append(FieldError(f"{EXTENSIONS}.profile.{key}", "Not a field we know"))
    for key, name in EXTENSION_PROFILE.items():
        if profile.get(key) is not None:
            fields[name] = profile[key]
    if fields.get("sex") is None:
        errors.append(
            FieldError(
                f"{EXTENSIONS}.profile.sex",
                f"The standard does not hold the child's sex: give it here, one of "
                f"{', '.join(ChildSex.values)}",
            )
        )


def profile_from_record(record: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """The request's profile fields from a record that fits the schema, and what our own rules
    refuse of it before the service's checks (module docstring)."""
    errors: list[FieldError] = []
    fields: dict[str, Any] = {}
    _availability(record, fields, errors)
    _requirements(record, fields, errors)
    _recommendation_and_risks(record, fields, errors)
    _extensions(record, fields, errors)
    return fields, errors


def _service_errors(error: ValidationError) -> list[FieldError]:
    found: list[FieldError] = []
    for name, messages in error.message_dict.items():
        path = FIELD_PATHS.get(name, "record" if name == "__all__" else name)
        found.extend(FieldError(path, message) for message in messages)
    return found


@transaction.atomic
def placement_request_import(*, actor: User, record: Any) -> PlacementRequest:
    """A new open request of the actor's local authority from a record in the standard's shape
    (module docstring): the schema's check, then our rules, then the same service as the form.
    Raises RecordInvalid with every problem found, by the standard's path."""
    if not isinstance(record, Mapping):
        raise RecordInvalid([FieldError("record", "Send one record as a JSON object")])
    errors = schema_errors(record)
    if errors:
        raise RecordInvalid(errors)
    fields, errors = profile_from_record(record)
    if errors:
        raise RecordInvalid(errors)
    try:
        return placement_request_create(actor=actor, places=[], areas_to_avoid=[], **fields)
    except ValidationError as error:
        raise RecordInvalid(_service_errors(error)) from error
