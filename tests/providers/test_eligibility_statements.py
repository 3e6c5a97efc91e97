"""Every Eligibility field is a statement a provider can make through the form and the API, so a
criterion added to the model needs no line of its own in either (docs/how-to/add-a-criterion.md).
Shown here by taking a declared question away: the model's own field takes its place."""

from __future__ import annotations

from rest_framework import serializers

from providers.api import EligibilitySerializer
from providers.facts import ELIGIBILITY_FIELDS
from providers.forms import EligibilityForm
from providers.models import Eligibility


class _FormWithoutPets(EligibilityForm):
    accepts_pets = None  # type: ignore[assignment]


class _SerializerWithoutPets(EligibilitySerializer):
    accepts_pets = None


def test_every_eligibility_field_is_a_statement():
    names = {f.name for f in Eligibility._meta.concrete_fields}
    assert set(ELIGIBILITY_FIELDS) == names - {
        "id",
        "setting",
        "created_at",
        "updated_at",
        "updated_by",
    }


def test_a_statement_without_its_own_question_is_asked_as_the_model_says():
    assert "accepts_pets" not in _FormWithoutPets.base_fields
    form = _FormWithoutPets(data={})
    field = form.fields["accepts_pets"]
    assert field.label == "Accepts pets"
    assert field.required is False
    legal = form.helper.layout.fields[2]
    assert "accepts_pets" in legal.fields
    assert set(ELIGIBILITY_FIELDS) - {"risks", "needs"} <= set(form.fields)


def test_a_statement_without_its_own_api_field_is_served_as_the_model_says():
    fields = _SerializerWithoutPets().fields
    assert isinstance(fields["accepts_pets"], serializers.BooleanField)
    assert fields["accepts_pets"].default is False
    assert set(ELIGIBILITY_FIELDS) <= set(fields)
