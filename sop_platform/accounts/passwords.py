"""Password-reset links issued by an admin (the machines send no mail).

The link is Django's own (``PasswordResetConfirmView`` with ``default_token_generator``): it
stops working once the password is set with it, on the user's next login, or after
``PASSWORD_RESET_TIMEOUT`` seconds.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def password_reset_link_issue(
    *, user: AbstractBaseUser, issued_by: AbstractBaseUser, request: HttpRequest
) -> str:
    """An absolute one-time link at which ``user`` sets a new password.

    Only a superuser may issue one for a superuser (an admin without that status could
    otherwise take over a superuser's account); inactive users get none.
    """
    if user.is_superuser and not issued_by.is_superuser:
        raise PermissionDenied(f"Only a superuser may issue a reset link for {user}.")
    if not user.is_active:
        raise ValidationError(f"{user} is inactive: activate the user first.")
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return request.build_absolute_uri(path)
