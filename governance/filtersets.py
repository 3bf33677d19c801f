"""Filters of the governance models, shared by the API and (later) the planner pages."""

import django_filters as filters

from governance.choices import ExceptionStatus, ProposalStatus
from governance.models import PlanningException, PolicyProposal
from sop_platform.filtersets import IntegerFilter, StrictFilterSet


class PlanningExceptionFilterSet(StrictFilterSet):
    """``run`` is the run that last found the exception; item, location and owner by natural
    key; ``status`` may repeat (``?status=open&status=in_progress``)."""

    status = filters.MultipleChoiceFilter(choices=ExceptionStatus.choices)
    run = IntegerFilter(field_name="last_run_id")
    item = filters.CharFilter(field_name="item__sku")
    location = filters.CharFilter(field_name="location__code")
    owner = filters.CharFilter(field_name="owner__username")

    class Meta:
        model = PlanningException
        fields = ["kind", "status", "severity", "run", "item", "location", "owner"]


class PolicyProposalFilterSet(StrictFilterSet):
    """``status`` may repeat; item, location and proposer by natural key; ``run``."""

    status = filters.MultipleChoiceFilter(choices=ProposalStatus.choices)
    run = IntegerFilter(field_name="run_id")
    item = filters.CharFilter(field_name="item__sku")
    location = filters.CharFilter(field_name="location__code")
    proposed_by = filters.CharFilter(field_name="proposed_by__username")

    class Meta:
        model = PolicyProposal
        fields = ["kind", "status", "run", "item", "location", "proposed_by"]
