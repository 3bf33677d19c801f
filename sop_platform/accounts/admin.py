"""Admin of API tokens (issued here, key shown once) and of users (issue a password-reset link).

Registered from ``sop_platform/admin.py``. Lockouts are django-axes' "Access attempts": deleting
an attempt unlocks its username and address.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from sop_platform.accounts.passwords import password_reset_link_issue
from sop_platform.accounts.tokens import api_token_issue
from sop_platform.models import ApiToken


class ApiTokenAddForm(forms.ModelForm):
    """Who the token is for, what for, and for how many days."""

    days = forms.IntegerField(
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DAYS,
        help_text="The token stops working after this many days.",
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if not user.is_active:
            raise ValidationError(f"{user} is inactive: activate the user first.")
        return user


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued here (the key is shown once, after saving) and revoked by deleting."""

    list_display = ["name", "user", "token_key", "created", "expiry", "expired", "last_used_at"]
    list_select_related = ["user"]
    list_filter = ["user"]
    search_fields = ["name", "user__username", "token_key"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "token_key", "created", "last_used_at"]
    fields = ["user", "name", "token_key", "created", "expiry", "last_used_at"]

    @admin.display(boolean=True)
    def expired(self, token: ApiToken) -> bool:
        return token.is_expired

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["user", "name", "days"] if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def save_form(self, request: HttpRequest, form: forms.ModelForm, change: bool):
        """On add, the service issues the token; its key is kept for the one page showing it."""
        if change:
            return super().save_form(request, form, change)
        data = form.cleaned_data
        issued = api_token_issue(user=data["user"], days=data["days"], name=data["name"])
        request._issued_api_key = issued.key
        return issued.token

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if change:  # on add, save_form has already stored the token
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue=None):
        """The key, once: it is not stored and cannot be shown again."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "API token issued",
            "token": obj,
            "key": request._issued_api_key,
        }
        return TemplateResponse(request, "admin/sop_platform/apitoken/issued.html", context)


class AccountUserAdmin(UserAdmin):
    """Django's user admin with an action issuing one-time password-reset links."""

    actions = ["issue_password_reset_link"]

    @admin.action(description="Issue a password-reset link", permissions=["change"])
    def issue_password_reset_link(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        links = []
        for user in queryset.order_by("username"):
            try:
                link = password_reset_link_issue(user=user, issued_by=request.user, request=request)
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, "; ".join(_messages(error)), messages.ERROR)
                continue
            self.log_change(request, user, "Issued a password-reset link.")
            links.append({"user": user, "link": link})
        if not links:
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Password-reset links",
            "links": links,
            "timeout_hours": settings.PASSWORD_RESET_TIMEOUT / 3600,
        }
        return TemplateResponse(request, "admin/auth/user/password_reset_links.html", context)


def _messages(error: Exception) -> list[str]:
    return error.messages if isinstance(error, ValidationError) else [str(error)]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AccountUserAdmin)
