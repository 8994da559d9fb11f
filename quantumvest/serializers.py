"""The base of API input serializers: a body means the same in JSON, form and multipart encodings,
and what the schema says a field is, it is.

- DRF reads an empty form value of an optional field as "not sent" (HTML forms submit every
  field), so ``name=`` in a multipart PATCH was silently ignored while ``{"name": ""}`` is rejected.
  Here an empty value is rejected the same way in every encoding.
- DRF's ``CharField`` turns a JSON number into a string; the schema says string, so a number is
  rejected.
- ``require_any = True`` (partial updates): a body with none of the fields is rejected, rather than
  answering 200 for a change of nothing (the schema says ``minProperties: 1``).
"""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html

NOT_A_STRING = "Not a valid string."
NOTHING_TO_CHANGE = "Send at least one field to change."


class Input(serializers.Serializer):
    require_any = False

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)  # DRF's "Invalid data. Expected a dictionary"
        errors: dict[str, list[str]] = {}
        writable = {name: field for name, field in self.fields.items() if not field.read_only}
        if self.require_any and not any(name in data for name in writable):
            raise serializers.ValidationError({"non_field_errors": [NOTHING_TO_CHANGE]}, code="nothing_to_change")
        if html.is_html_input(data):
            for name, field in writable.items():
                if (
                    not field.required
                    and not field.allow_null
                    and not getattr(field, "allow_blank", False)
                    and data.get(name) == ""
                ):
                    errors[name] = [str(field.error_messages.get("blank", "This field may not be blank."))]
        else:
            for name, field in writable.items():
                value = data.get(name)
                if isinstance(field, serializers.CharField) and value is not None and not isinstance(value, str):
                    errors[name] = [NOT_A_STRING]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON ``true`` or ``false`` only, as the schema says (DRF's BooleanField also takes "0",
    "yes", 1 ..., which the schema does not allow). For JSON-only views."""

    default_error_messages = {"invalid": "Must be true or false."}
    # DRF reads a boolean missing from a form body as false (an unticked box): here it is missing.
    default_empty_html = empty

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")
