"""Shapes of the governance API: exceptions as read and the few fields a planner may change;
proposals, their decisions and publications."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from governance.models import PlanningException, PolicyProposal, PublicationBatch
from inventory.models import PolicyValues
from sop_platform.api.fields import StrictCharField


class StrictInputSerializer(serializers.Serializer):
    """Rejects input keys that are not writable fields, naming each one.

    DRF ignores unknown keys; for workflow inputs a misspelt key ("location" for
    "locations") would silently widen what the request does, so it is a 400 instead.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = [name for name, field in self.fields.items() if not field.read_only]
            unknown = sorted(set(data) - set(writable))
            if unknown:
                message = f"Not accepted here; expected {', '.join(writable)}."
                raise serializers.ValidationError(dict.fromkeys(unknown, [message]))
        return super().to_internal_value(data)


class PlanningExceptionSerializer(StrictInputSerializer, serializers.ModelSerializer):
    """An exception as planners see it: item and location by natural key, owner by username.

    Also the body of ``PATCH /api/v1/exceptions/{id}/``, where only owner, status,
    resolution_notes and due_date are accepted, with the ``version`` read; the rules are the
    service's.
    """

    item = serializers.SlugRelatedField(slug_field="sku", read_only=True)
    location = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="Username of the planner or manager handling it; null to unassign.",
    )
    first_run = serializers.PrimaryKeyRelatedField(read_only=True)
    last_run = serializers.PrimaryKeyRelatedField(read_only=True)
    resolution_notes = serializers.CharField(
        allow_blank=True,
        required=False,
        max_length=5000,
        help_text="In a change: a note to add (appended on a line of its own; the notes are "
        "never overwritten). Resolving or dismissing needs notes, given now or written before.",
    )
    version = serializers.IntegerField(
        min_value=1,
        max_value=2_147_483_647,
        required=False,
        help_text="Raised by one at every change. Send the version you read with a change (or "
        'as an If-Match header, "3"): if someone changed the exception since, the change is '
        "refused with 409.",
    )

    class Meta:
        model = PlanningException
        fields = [
            "id",
            "kind",
            "severity",
            "status",
            "item",
            "location",
            "reasons",
            "detail",
            "first_run",
            "last_run",
            "batch_number",
            "owner",
            "due_date",
            "created_at",
            "updated_at",
            "resolved_at",
            "resolution_notes",
            "money_at_risk",
            "version",
        ]
        read_only_fields = [
            "id",
            "kind",
            "severity",
            "reasons",
            "detail",
            "money_at_risk",
            "batch_number",
            "created_at",
            "updated_at",
            "resolved_at",
        ]


class PlanningExceptionConflictSerializer(serializers.Serializer):
    """The answer to a change based on an older version (409): the exception as stored now."""

    detail = serializers.CharField()
    version = serializers.IntegerField(help_text="The stored version, to send with a new try.")
    current = PlanningExceptionSerializer(help_text="The exception as stored now.")


_POLICY_VALUES = [*PolicyValues.FIELDS]


class PolicyProposalSerializer(serializers.ModelSerializer):
    """A proposal as approvers see it: proposed values beside the policy's and the run's."""

    item = serializers.SlugRelatedField(slug_field="sku", read_only=True)
    location = serializers.SlugRelatedField(slug_field="code", read_only=True)
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PolicyProposal
        fields = [
            "id",
            "item",
            "location",
            "kind",
            "status",
            *_POLICY_VALUES,
            "current",
            "recommended",
            "justification",
            "run",
            "recommendation",
            "policy",
            "base_version",
            "proposed_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "version",
        ]
        read_only_fields = fields


class ProposalCreateSerializer(StrictInputSerializer):
    """``POST /api/v1/proposals/``: a recommendation accepted as is, or overridden."""

    recommendation = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    overrides = serializers.DictField(
        required=False,
        help_text="Policy fields to override (" + ", ".join(_POLICY_VALUES) + "); any "
        "override needs a justification.",
    )
    justification = StrictCharField(required=False, allow_blank=True, max_length=5000)


class AcceptAllSerializer(StrictInputSerializer):
    """``POST /api/v1/proposals/accept-all/``: the run whose recommendations to accept."""

    run = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class AcceptAllResultSerializer(serializers.Serializer):
    proposed = serializers.IntegerField()
    superseded = serializers.IntegerField()
    outside_tolerance = serializers.IntegerField()
    without_policy = serializers.IntegerField()
    invalid = serializers.IntegerField()


class DecisionSerializer(StrictInputSerializer):
    """The body of approve and reject: a comment (required to reject) and the version read."""

    comment = StrictCharField(required=False, allow_blank=True, max_length=5000)
    version = serializers.IntegerField(min_value=1, max_value=2_147_483_647, required=False)


class StrictBooleanField(serializers.BooleanField):
    """true or false only (JSON booleans, or the words in a form): DRF also takes 1, 0,
    "yes", "on"..., which a client's typo could turn into a release of held-back rows."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data in ("true", "false"):
            return data == "true"
        self.fail("invalid", input=data)


class PublicationCreateSerializer(StrictInputSerializer):
    """``POST /api/v1/publications/``: publish what awaits publication in your scope."""

    release_held = StrictBooleanField(
        required=False,
        default=False,
        help_text="Also publish policies held back by open data-quality exceptions.",
    )
    justification = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        help_text="Why held-back policies go out (required with release_held).",
    )


class PublicationBatchSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PublicationBatch
        fields = [
            "id",
            "created_by",
            "created_at",
            "policies",
            "held_back",
            "released",
            "justification",
        ]
        read_only_fields = fields
