"""Forms of the accounts pages. They validate input; the use cases live in services.py."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation

from apps.accounts.models import User, normalize_email
from apps.accounts.services import EMAIL_TAKEN


def _email_field(**attrs) -> forms.EmailField:
    return forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false", **attrs}
        ),
    )


def _name_field() -> forms.CharField:
    return forms.CharField(
        label="Name",
        max_length=150,
        required=False,
        help_text="How we greet you. Optional.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class LoginForm(auth_forms.AuthenticationForm):
    """Django's AuthenticationForm (it passes the request to ``authenticate`` for django-axes);
    its ``username`` field holds the e-mail address."""

    username = forms.CharField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "The e-mail address and password do not match an active account.",
    }


class RegisterForm(forms.Form):
    email = _email_field(autofocus=True)
    name = _name_field()
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password, not all digits, not like your e-mail or name.",
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN, code="email_taken")
        return email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1:
            candidate = User(email=cleaned.get("email") or "", name=cleaned.get("name") or "")
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        if password1 and password2 and password1 != password2:
            self.add_error("password2", forms.ValidationError("The two passwords differ.", code="password_mismatch"))
        return cleaned


class ProfileForm(forms.Form):
    name = _name_field()
    email = _email_field()

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        kwargs.setdefault("initial", {"name": user.name, "email": user.email})
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exclude(pk=self.user.pk).exists():
            raise forms.ValidationError(EMAIL_TAKEN, code="email_taken")
        return email


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form checks the old password and validates the new one; saving goes through
    ``services.change_password`` instead of ``form.save``."""

    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["new_password1"].label = "New password"
        self.fields["new_password2"].label = "New password again"
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = _email_field(autofocus=True)


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password2"].label = "New password again"
