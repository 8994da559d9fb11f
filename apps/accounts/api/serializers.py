"""Input serializers shaped like the use cases' arguments, and read-only output serializers.

Validation only: checking a password against Django's validators or the user's current password is
input validation; the use cases themselves live in ``apps.accounts.services`` and ``api.tokens``.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from apps.accounts.models import User
from quantumvest.serializers import Input


def _password_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        write_only=True, trim_whitespace=False, max_length=128, style={"input_type": "password"}, **kwargs
    )


def _password_problems(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        return list(exc.messages)
    return []


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = _password_field()
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        # The similarity validator compares the password with the other fields.
        problems = _password_problems(attrs["password"], User(email=attrs["email"], name=attrs["name"]))
        if problems:
            raise serializers.ValidationError({"password": problems})
        return attrs


class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "subscription_tier", "created_at"]
        read_only_fields = fields


class ProfileUpdateInput(Input):
    require_any = True
    email = serializers.EmailField(max_length=254, required=False)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)


class PasswordChangeInput(serializers.Serializer):
    # context["user"] is the account whose password changes.
    old_password = _password_field()
    new_password = _password_field()

    def validate_old_password(self, value: str) -> str:
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError("The current password is not correct.", code="wrong_password")
        return value

    def validate_new_password(self, value: str) -> str:
        problems = _password_problems(value, self.context["user"])
        if problems:
            raise serializers.ValidationError(problems)
        return value


class TokenObtainInput(serializers.Serializer):
    # Not an EmailField: every attempt goes through authentication, so lockout counts it.
    email = serializers.CharField(max_length=254)
    password = _password_field()


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField(help_text="Access token (JWT): send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Refresh token (JWT), single use: exchange it at auth/token/refresh/.")


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField()


class TokenVerifyInput(serializers.Serializer):
    token = serializers.CharField(help_text="An access or a refresh token.")


class TokenVerifyOutput(serializers.Serializer):
    token_type = serializers.ChoiceField(choices=["access", "refresh"])
    expires_at = serializers.DateTimeField()
