"""The approvers' home: pending policy proposals compared with the policy in force and
the recommendation, approved or rejected through governance.proposals."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Abs, Cast
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import formats, timezone

from governance.admin.common import (
    COMPARED,
    LocationScopedAdmin,
    html_table,
    scoped_location_filter,
)
from governance.choices import OPEN_EXCEPTION_STATUSES, ProposalStatus
from governance.models import (
    PlanningException,
    PolicyProposal,
)
from governance.proposals import (
    DECIDE,
    ProposalConflict,
    proposal_approve,
    proposal_reject,
)
from governance.proposals_bulk import proposals_approve_many
from inventory.runs.scope import SEGMENTS
from sop_platform.admin import (
    EMPTY,
    ReadOnlyHistoryAdmin,
    readable_number,
    readable_share,
    signed_number,
)

ALL = "all"
MESSAGES_PER_ACTION = 20  # refusals listed one by one; beyond, counted


def _compare_cell(proposal: PolicyProposal, name: str) -> str:
    """``"30 → 40 (rec. 40)"``: the policy when proposed, the proposal, the run's value."""
    current = proposal.current.get(name)
    text = f"{readable_number(current) if current is not None else 'new'} → "
    text += readable_number(getattr(proposal, name))
    recommended = proposal.recommended.get(name)
    return text + (f" (rec. {readable_number(recommended)})" if recommended is not None else "")


def _delta(proposal: PolicyProposal, name: str) -> float | None:
    current = proposal.current.get(name)
    return None if current is None else getattr(proposal, name) - current


def _relative(proposal: PolicyProposal, name: str) -> str:
    change, current = _delta(proposal, name), proposal.current.get(name)
    if change is None or not current:
        return ""
    return f" ({signed_number(change / current * 100, 0)} %)"


class ProposalStatusFilter(admin.SimpleListFilter):
    """Status, awaiting approval unless another (or all) is chosen."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [*ProposalStatus.choices, (ALL, "All")]

    def chosen(self) -> str:
        return self.value() or ProposalStatus.PROPOSED

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.chosen() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset if self.chosen() == ALL else queryset.filter(status=self.chosen())


class CategoryFilter(admin.SimpleListFilter):
    """The item categories of the proposals in the user's scope."""

    title = "item category"
    parameter_name = "category"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        categories = (
            model_admin.get_queryset(request)
            .order_by("item__category")
            .values_list("item__category", flat=True)
            .distinct()
        )
        return [(c, c) for c in categories if c]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(item__category=self.value()) if self.value() else queryset


class SegmentFilter(admin.SimpleListFilter):
    """The ABC-XYZ segment of the recommendation proposed (a fixed list: no table scan)."""

    title = "segment"
    parameter_name = "segment"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [(s, s) for s in SEGMENTS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        return queryset.filter(recommendation__segment=self.value())


class ChangeSizeFilter(admin.SimpleListFilter):
    """How far the proposed reorder point is from the one in force when proposed."""

    title = "change of the reorder point"
    parameter_name = "change"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [
            ("small", "< 10 %"),
            ("medium", "10–50 %"),
            ("large", "> 50 %"),
            ("new", "No policy in force"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "new":
            return queryset.exclude(current__has_key="reorder_point")
        if self.value() not in ("small", "medium", "large"):
            return queryset
        current = Cast(KT("current__reorder_point"), FloatField())
        sized = queryset.filter(current__has_key="reorder_point").alias(
            _change=Abs(F("reorder_point") - current), _current=Abs(current)
        )
        if self.value() == "small":  # no change at all counts as small, also from zero
            return sized.filter(Q(_change__lt=0.1 * F("_current")) | Q(_change=0))
        if self.value() == "medium":
            return sized.filter(
                _change__gte=0.1 * F("_current"), _change__lte=0.5 * F("_current"), _change__gt=0
            )
        return sized.filter(_change__gt=0.5 * F("_current"))


class RejectForm(forms.Form):
    """The comment a rejection needs: the planner reads it."""

    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Why these proposals are rejected; every proposer reads it.",
    )


@admin.register(PolicyProposal)
class PolicyProposalAdmin(LocationScopedAdmin, ReadOnlyHistoryAdmin):
    """Pending approvals: what each proposal changes against the policy in force and the
    run's recommendation, approved or rejected through the services (governance.proposals).
    Proposals are made on the planners' pages and the API, not here."""

    list_display = [
        "item",
        "location",
        "kind",
        "reorder_point_change",
        "min_change",
        "max_change",
        "order_quantity_change",
        "safety_stock_change",
        "change_units",
        "change_value",
        "justification_short",
        "proposed_by",
        "created_at",
        "status",
    ]
    list_display_links = ["item"]
    list_select_related = ["item", "location", "proposed_by"]
    list_filter = [
        ProposalStatusFilter,
        scoped_location_filter(),
        CategoryFilter,
        SegmentFilter,
        "kind",
        ChangeSizeFilter,
    ]
    search_fields = ["item__sku", "location__code"]
    show_full_result_count = False
    actions = ["approve_selected", "reject_selected"]
    readonly_fields = [
        "item_display",
        "location",
        "kind",
        "status",
        "values_table",
        "change_units",
        "change_value",
        "justification",
        "proposed_by",
        "created_at",
        "recommendation_display",
        "open_exceptions",
        "decided_by",
        "decided_at",
        "decision_comment",
        "version",
        "history_table",
    ]
    fieldsets = [
        (None, {"fields": ["item_display", "location", "kind", "status"]}),
        (
            "Values: in force when proposed → proposed (recommended by the run)",
            {"fields": ["values_table", "change_units", "change_value"]},
        ),
        ("Why", {"fields": ["justification", "proposed_by", "created_at"]}),
        ("The run's recommendation", {"fields": ["recommendation_display"]}),
        ("Open exceptions of this SKU-location", {"fields": ["open_exceptions"]}),
        ("Decision", {"fields": ["decided_by", "decided_at", "decision_comment", "version"]}),
        ("History", {"fields": ["history_table"]}),
    ]

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(DECIDE)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        """Titled "Pending approvals" while showing those; deciders are told how to decide."""
        context = {}
        status = request.GET.get(ProposalStatusFilter.parameter_name, ProposalStatus.PROPOSED)
        if status == ProposalStatus.PROPOSED:
            context["title"] = "Pending approvals"
        context["subtitle"] = "Proposals are made on the planners' pages and the API" + (
            "; approve or reject them with the actions below."
            if self.has_decide_permission(request)
            else "; managers approve or reject them."
        )
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        """Approve and Reject buttons under a proposal awaiting approval, for deciders (they
        post the changelist's actions for this one proposal)."""
        proposal = self.get_object(request, object_id)
        can_decide = self.has_decide_permission(request) and bool(
            proposal and proposal.status == ProposalStatus.PROPOSED
        )
        extra_context = {
            "can_decide": can_decide,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- list cells ------------------------------------------------------------------------

    @admin.display(description="Reorder point", ordering="reorder_point")
    def reorder_point_change(self, proposal: PolicyProposal) -> str:
        return _compare_cell(proposal, "reorder_point")

    @admin.display(description="Min")
    def min_change(self, proposal: PolicyProposal) -> str:
        return _compare_cell(proposal, "min_level")

    @admin.display(description="Max")
    def max_change(self, proposal: PolicyProposal) -> str:
        return _compare_cell(proposal, "max_level")

    @admin.display(description="Order quantity")
    def order_quantity_change(self, proposal: PolicyProposal) -> str:
        return _compare_cell(proposal, "order_quantity")

    @admin.display(description="Safety stock")
    def safety_stock_change(self, proposal: PolicyProposal) -> str:
        return _compare_cell(proposal, "safety_stock")

    @admin.display(description="Δ units (reorder point / max)")
    def change_units(self, proposal: PolicyProposal) -> str:
        if not proposal.current:
            return "new policy"
        rop, top = (_delta(proposal, name) for name in ("reorder_point", "max_level"))
        return (
            f"{signed_number(rop)}{_relative(proposal, 'reorder_point')} / "
            f"{signed_number(top)}{_relative(proposal, 'max_level')}"
        )

    @admin.display(description="Δ value (reorder point / max × unit cost)")
    def change_value(self, proposal: PolicyProposal) -> str:
        cost = proposal.item.unit_cost
        if not proposal.current or cost is None:
            return EMPTY
        rop, top = (_delta(proposal, name) for name in ("reorder_point", "max_level"))
        cost = float(cost)
        return f"{signed_number(rop * cost)} / {signed_number(top * cost)}"

    @admin.display(description="Justification")
    def justification_short(self, proposal: PolicyProposal) -> str:
        text = proposal.justification
        return text if len(text) <= 80 else text[:79] + "…"

    # --- change page -----------------------------------------------------------------------

    @admin.display(description="Item")
    def item_display(self, proposal: PolicyProposal) -> str:
        item = proposal.item
        cost = f", unit cost {readable_number(item.unit_cost)}" if item.unit_cost else ""
        category = f", {item.category}" if item.category else ""
        return f"{item.sku} ({item.description}{category}{cost})"

    @admin.display(description="Values")
    def values_table(self, proposal: PolicyProposal) -> str:
        rows = [
            (
                label,
                readable_number(proposal.current.get(name)),
                readable_number(getattr(proposal, name)),
                readable_number(proposal.recommended.get(name)),
                signed_number(_delta(proposal, name)) + _relative(proposal, name),
            )
            for name, label in COMPARED
        ]
        rows.append(
            (
                "Service target",
                readable_share(proposal.current.get("service_target")),
                readable_share(proposal.service_target),
                readable_share(proposal.recommended.get("service_target")),
                "",
            )
        )
        return html_table(["", "In force", "Proposed", "Recommended", "Change"], rows)

    @admin.display(description="Explanation")
    def recommendation_display(self, proposal: PolicyProposal) -> str:
        rec = proposal.recommended
        if not rec:
            return "No recommendation: the planner's own values."
        segment = proposal.recommendation.segment if proposal.recommendation else ""
        rows = [
            ("Run", f"#{rec.get('run')}" if rec.get("run") else EMPTY),
            ("Segment", segment or EMPTY),
            ("Expected service", readable_share(rec.get("expected_service"))),
            ("Demand per period (mean)", readable_number(rec.get("demand_mean"))),
            ("Demand pattern", rec.get("demand_pattern") or EMPTY),
            ("Distribution", rec.get("distribution") or EMPTY),
            ("Binding constraint", rec.get("binding_constraint") or EMPTY),
            ("Safety stock from demand variability", readable_number(rec.get("ss_demand"))),
            ("Safety stock from lead-time variability", readable_number(rec.get("ss_lead_time"))),
            ("Stock-out risk", ", ".join(rec.get("stockout_reasons") or []) or EMPTY),
            ("Excess risk", ", ".join(rec.get("excess_reasons") or []) or EMPTY),
        ]
        return html_table(["", ""], rows)

    @admin.display(description="Open exceptions")
    def open_exceptions(self, proposal: PolicyProposal) -> str:
        exceptions = PlanningException.objects.filter(
            item_id=proposal.item_id,
            location_id=proposal.location_id,
            status__in=OPEN_EXCEPTION_STATUSES,
        ).order_by("kind")
        rows = [
            (e.get_kind_display(), e.get_severity_display(), ", ".join(e.reasons), e.detail)
            for e in exceptions
        ]
        if not rows:
            return "None."
        return html_table(["Kind", "Severity", "Reasons", "Detail"], rows)

    @admin.display(description="History")
    def history_table(self, proposal: PolicyProposal) -> str:
        records = proposal.history.select_related("history_user").order_by("-history_date")
        rows = [
            (
                formats.localize(timezone.localtime(r.history_date)),
                r.history_user.get_username() if r.history_user else EMPTY,
                r.get_status_display(),
                r.history_change_reason or "",
            )
            for r in records
        ]
        return html_table(["When", "Who", "Status", "Why"], rows)

    # --- actions ---------------------------------------------------------------------------

    @admin.action(description="Approve selected proposals", permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        selected = PolicyProposal.objects.filter(pk__in=queryset.values("pk"))
        if selected.count() == 1:  # one on its own: also a proposal creating a policy
            self._decide_each(request, selected, proposal_approve, "approved")
            return
        try:
            decision = proposals_approve_many(user=request.user, proposals=selected)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        if decision.approved or not decision.refused:
            self.message_user(request, f"Approved {decision.approved:,}.", messages.SUCCESS)
        for reason, count in sorted(decision.refused.items()):
            self.message_user(request, f"Not approved, {reason}: {count:,}.", messages.WARNING)

    @admin.action(
        description="Reject selected proposals (asks for a comment)", permissions=["decide"]
    )
    def reject_selected(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            comment = form.cleaned_data["comment"]
            self._decide_each(
                request,
                queryset,
                lambda proposal, user: proposal_reject(
                    proposal=proposal, user=user, comment=comment
                ),
                "rejected",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Reject proposals",
            "form": form,
            "proposals": queryset.order_by("pk"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/governance/policyproposal/reject_confirmation.html", context
        )

    def _decide_each(self, request: HttpRequest, queryset: QuerySet, decide, done: str) -> None:
        """Decide the proposals one by one, reporting each refusal (never an error page)."""
        succeeded, refusals = 0, []
        for proposal in queryset.select_related("item", "location").order_by("pk"):
            try:
                decide(proposal=proposal, user=request.user)
            except (ProposalConflict, PermissionDenied, ValidationError) as refusal:
                refusals.append(f"{_label(proposal)}: {_message(refusal)}")
            else:
                succeeded += 1
        if succeeded or not refusals:
            self.message_user(request, f"{done.capitalize()} {succeeded:,}.", messages.SUCCESS)
        for refusal in refusals[:MESSAGES_PER_ACTION]:
            self.message_user(request, f"Not {done}: {refusal}", messages.WARNING)
        if len(refusals) > MESSAGES_PER_ACTION:
            rest = len(refusals) - MESSAGES_PER_ACTION
            self.message_user(request, f"Not {done}: {rest:,} more.", messages.WARNING)


def _label(proposal: PolicyProposal) -> str:
    return f"#{proposal.pk} ({proposal.item.sku} at {proposal.location.code})"


def _message(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


# --- Publications --------------------------------------------------------------------------
