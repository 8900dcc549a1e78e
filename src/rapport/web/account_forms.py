"""Forms of the Security page, the second-factor steps and the password reset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rapport.common.errors import Throttled, ValidationFailed
from rapport.web.service_errors import translate_error

T = TypeVar("T")


class _ServiceErrors(forms.Form):
    """A form whose service call's refusals land on its fields; ``status`` is 429 once throttled."""

    status = 200

    def apply_errors(self, exc: ValidationFailed) -> None:
        for name, messages in exc.field_errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, translate_error(message, field=name))

    def attempt(self, action: Callable[[], T]) -> tuple[bool, T | None]:
        """Run the service call: (True, its result), or (False, None) with its errors on the form."""
        try:
            return True, action()
        except ValidationFailed as exc:
            self.apply_errors(exc)
        except Throttled as exc:
            minutes = max(1, -(-exc.retry_after // 60))
            self.add_error(None, gettext("Too many attempts. Try again in %(minutes)s minutes.") % {"minutes": minutes})
            self.status = 429
        return False, None


def _password(label: Any, autocomplete: str, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=4096,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete, "class": "input"}),
    )


class _NewPassword(_ServiceErrors):
    new_password = _password(_("New password"), "new-password", _("At least 8 characters, and not a common password."))
    new_password_again = _password(_("New password again"), "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password_again") and data["new_password"] != data["new_password_again"]:
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class PasswordChangeForm(_NewPassword):
    current_password = _password(_("Current password"), "current-password")
    field_order = ["current_password", "new_password", "new_password_again"]


class PasswordSetForm(_NewPassword):
    """The new password from a reset link."""


class PasswordResetRequestForm(_ServiceErrors):
    email = forms.CharField(
        label=_("Email address of your account"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "class": "input", "autofocus": True}),
    )


class CodeForm(_ServiceErrors):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "class": "input", "autofocus": True, "autocapitalize": "none"}
        ),
    )
