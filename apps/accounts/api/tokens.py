"""JSON Web Tokens for the API: issue, rotate, verify, revoke.

A token is honoured only while its user exists, is active and still has the password the token
was issued under (simplejwt's ``hash_password`` claim, ``CHECK_REVOKE_TOKEN``). simplejwt checks
that for access tokens only; the refresh and verify paths here check it too, so a password change
or a deactivation makes every earlier access AND refresh token useless.

Every failure raises simplejwt's ``InvalidToken``/``AuthenticationFailed`` (401 in the error shape).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token, UntypedToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from apps.accounts.models import User


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


@dataclass(frozen=True)
class VerifiedToken:
    token_type: str
    expires_at: datetime


def _load(token_class: type[Token], raw: str) -> Token:
    """Decode and check signature, algorithm, expiry, type and (for refresh tokens) the blacklist."""
    try:
        return token_class(raw)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from exc


def _user_of(token: Token) -> User:
    """The token's user if it still exists, is active and has the password the token was issued under."""
    return JWTAuthentication().get_user(token)


def issue_pair(user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


@transaction.atomic
def rotate(raw_refresh: str) -> TokenPair:
    """Exchange a refresh token for a new pair and blacklist it.

    The token's row is locked, so two concurrent uses of one refresh token cannot both succeed.
    """
    refresh = _load(RefreshToken, raw_refresh)
    user = _user_of(refresh)
    try:
        outstanding = OutstandingToken.objects.select_for_update(of=("self",)).get(jti=refresh[api_settings.JTI_CLAIM])
    except OutstandingToken.DoesNotExist:
        raise InvalidToken("Token is not known") from None
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    if not created:
        raise InvalidToken("Token is blacklisted")
    return issue_pair(user)


def verify(raw: str) -> VerifiedToken:
    """Accept an access or refresh token that the API would still honour."""
    token = _load(UntypedToken, raw)
    token_type = token.get(api_settings.TOKEN_TYPE_CLAIM)
    if token_type not in (AccessToken.token_type, RefreshToken.token_type):
        raise InvalidToken("Token has wrong type")
    if token_type == RefreshToken.token_type:
        _load(RefreshToken, raw)  # adds the blacklist check
    _user_of(token)
    return VerifiedToken(token_type=token_type, expires_at=datetime_from_epoch(token["exp"]))


def revoke(raw_refresh: str) -> None:
    """Blacklist a refresh token (logout). Its access tokens expire on their own, within minutes."""
    _load(RefreshToken, raw_refresh).blacklist()
