"""Serializer fields stricter than DRF's defaults, so the schema's types are the truth."""

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField turns numbers and booleans into text; this rejects them."""

    default_error_messages = {"invalid": "Not text: give a JSON string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
