"""Admin of the publications of active policies to the ERP, and the Publish page."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from governance.admin.common import (
    POLICY_QUANTITY_COLUMNS,
    LocationScopedAdmin,
    scoped_location_filter,
)
from governance.models import (
    PublicationBatch,
    PublishedPolicy,
)
from governance.publication import (
    PUBLISH,
    publication_create,
    publication_preview,
    publications_visible,
)
from sop_platform.admin import (
    ReadOnlyAdmin,
)


@admin.register(PublicationBatch)
class PublicationBatchAdmin(ReadOnlyAdmin):
    """Publications to the ERP. "Publish" (the add page, for managers) shows what awaits
    publication in the user's scope and what open data-quality exceptions hold back, and
    publishes through ``governance.publication.publication_create``."""

    list_display = [
        "id",
        "created_by",
        "created_at",
        "policies",
        "held_back",
        "released",
        "justification",
    ]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """Every publication for a whole-network user, one's own otherwise (a batch's counts
        span locations), as the API lists them."""
        return publications_visible(super().get_queryset(request), user=request.user)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(PUBLISH)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        """The publish page: a preview, then the service on POST."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PublishForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                batch = publication_create(user=request.user, **form.cleaned_data)
            except (PermissionDenied, ValidationError) as refused:
                self.message_user(request, _refusal_text(refused), messages.ERROR)
            else:
                self.message_user(request, _published_text(batch), messages.SUCCESS)
                return redirect("admin:governance_publicationbatch_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Publish policies to the ERP",
            "form": form,
            "preview": publication_preview(user=request.user),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/governance/publish.html", context)


@admin.register(PublishedPolicy)
class PublishedPolicyAdmin(LocationScopedAdmin, ReadOnlyAdmin):
    """What each publication gave the ERP, per policy (in the user's scope)."""

    list_display = [
        "batch",
        "item",
        "location",
        "policy_version",
        "effective_from",
        *POLICY_QUANTITY_COLUMNS,
        "current",
        "released",
    ]
    list_select_related = ["batch", "item", "location"]
    list_filter = ["current", "released", scoped_location_filter(), "batch__id"]
    search_fields = ["item__sku", "location__code"]
    show_full_result_count = False


class PublishForm(forms.Form):
    """What a publication asks: whether to release the held-back policies, and why."""

    release_held = forms.BooleanField(
        required=False, label="Also publish the policies held back by data-quality exceptions"
    )
    justification = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to release held-back policies: why they may go out.",
    )


def _published_text(batch: PublicationBatch) -> str:
    text = f"Publication #{batch.pk}: {batch.policies:,} policies published"
    if batch.held_back:
        text += f", {batch.held_back:,} held back by open data-quality exceptions"
    if batch.released:
        text += f", {batch.released:,} released despite them"
    return text + "."


def _refusal_text(refused: Exception) -> str:
    if isinstance(refused, ValidationError):
        return " ".join(m for texts in refused.message_dict.values() for m in texts)
    return str(refused)


# --- Exception rules: when runs raise exceptions ------------------------------------------
