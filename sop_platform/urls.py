"""Root URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path


@login_not_required
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico before any page names its icon, logged in or not; the
    static URL is resolved per request (the production manifest exists only after
    collectstatic)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Every role changes its own password; admins issue reset links in the user admin (no mail).
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "account/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("sop_platform.api.urls")),
    path("", include("governance.urls")),
    path("", include("demand.urls")),
    path("", include("inventory.urls")),
]

# Errors outside the API views answer JSON under /api/ and HTML pages elsewhere.
handler400 = "sop_platform.api.errors.bad_request"
handler403 = "sop_platform.api.errors.permission_denied"
handler404 = "sop_platform.api.errors.page_not_found"
handler500 = "sop_platform.api.errors.server_error"
