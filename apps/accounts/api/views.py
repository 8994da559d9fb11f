"""Accounts API: registration, JWT authentication and the caller's own account (``me/``).

Thin adapters: validate input, call a use case (``apps.accounts.services`` or ``.tokens``),
serialise the result. Every error answers in the one shape of ``quantumvest.api``.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from apps.accounts import services
from apps.accounts.api import serializers as s
from apps.accounts.api import tokens
from apps.accounts.lockout import cooloff_seconds, lockout_detail
from quantumvest.api import LockedOut
from quantumvest.schema import error_response

TAG = "auth"
INVALID_TOKEN = error_response("The token is malformed, expired, blacklisted, of the wrong type or revoked.")


# Public, and rate-limited per client address (scope "auth").
class AuthEndpoint(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"

    def get_authenticate_header(self, request: Request) -> str:
        # Refused credentials answer 401 with a challenge (without one DRF would turn them into 403).
        return 'Bearer realm="api"'


class RegisterView(AuthEndpoint):
    @extend_schema(
        tags=[TAG],
        operation_id="auth_register",
        description="Create an account (role investor). Then obtain tokens at auth/token/.",
        request=s.RegisterInput,
        responses={201: s.UserOutput, 409: error_response("An account with this e-mail address exists.")},
    )
    def post(self, request: Request) -> Response:
        data = s.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.register_user(**data.validated_data)
        return Response(s.UserOutput(user).data, status=status.HTTP_201_CREATED)


class TokenObtainView(AuthEndpoint):
    @extend_schema(
        tags=[TAG],
        operation_id="auth_token_obtain",
        description=(
            "E-mail and password for an access token (minutes) and a refresh token (days). Repeated "
            "failures lock the account out from this address for a while, like the site login."
        ),
        request=s.TokenObtainInput,
        responses={
            200: s.TokenPairOutput,
            401: error_response("Wrong e-mail or password, or the account is inactive."),
            429: error_response("Throttled, or locked out after repeated failed logins (code `locked_out`)."),
        },
    )
    def post(self, request: Request) -> Response:
        data = s.TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        # django-axes flags the request it was given (this DRF request) when the client is locked
        # out; a correct password is then refused too.
        if getattr(request, "axes_locked_out", False):
            raise LockedOut(lockout_detail(), retry_after=cooloff_seconds())
        if user is None:
            raise AuthenticationFailed("No active account found with the given credentials.", "no_active_account")
        # A login like any other: updates last_login and resets the failure count (axes).
        user_logged_in.send(sender=type(user), request=request, user=user)
        pair = tokens.issue_pair(user)
        return Response(s.TokenPairOutput(pair).data)


class TokenRefreshView(AuthEndpoint):
    @extend_schema(
        tags=[TAG],
        operation_id="auth_token_refresh",
        description="Single use: the refresh token given is blacklisted and a new pair is returned.",
        request=s.RefreshInput,
        responses={200: s.TokenPairOutput, 401: INVALID_TOKEN},
    )
    def post(self, request: Request) -> Response:
        data = s.RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        pair = tokens.rotate(data.validated_data["refresh"])
        return Response(s.TokenPairOutput(pair).data)


class TokenVerifyView(AuthEndpoint):
    @extend_schema(
        tags=[TAG],
        operation_id="auth_token_verify",
        description="200 when the API would still honour the token (access or refresh).",
        request=s.TokenVerifyInput,
        responses={200: s.TokenVerifyOutput, 401: INVALID_TOKEN},
    )
    def post(self, request: Request) -> Response:
        data = s.TokenVerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        verified = tokens.verify(data.validated_data["token"])
        return Response(s.TokenVerifyOutput(verified).data)


class LogoutView(AuthEndpoint):
    @extend_schema(
        tags=[TAG],
        operation_id="auth_logout",
        description="Blacklists the refresh token. Access tokens already issued expire within minutes.",
        request=s.RefreshInput,
        responses={204: OpenApiResponse(description="Logged out."), 401: INVALID_TOKEN},
    )
    def post(self, request: Request) -> Response:
        data = s.RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        tokens.revoke(data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(tags=["me"], operation_id="me_retrieve", responses={200: s.UserOutput})
    def get(self, request: Request) -> Response:
        return Response(s.UserOutput(request.user).data)

    @extend_schema(
        tags=["me"],
        operation_id="me_update",
        request=s.ProfileUpdateInput,
        responses={200: s.UserOutput, 409: error_response("The e-mail address belongs to another account.")},
    )
    def patch(self, request: Request) -> Response:
        data = s.ProfileUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = {"name": request.user.name, "email": request.user.email, **data.validated_data}
        user = services.update_profile(user=request.user, **changes)
        return Response(s.UserOutput(user).data)


class PasswordChangeView(APIView):
    permission_classes = (IsAuthenticated,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        tags=["me"],
        operation_id="me_password_change",
        description=(
            "Every token issued before stops working and every outstanding refresh token is "
            "blacklisted; the response carries a new pair."
        ),
        request=s.PasswordChangeInput,
        responses={200: s.TokenPairOutput},
    )
    def post(self, request: Request) -> Response:
        data = s.PasswordChangeInput(data=request.data, context={"user": request.user})
        data.is_valid(raise_exception=True)
        user = services.change_password(user=request.user, new_password=data.validated_data["new_password"])
        pair = tokens.issue_pair(user)
        return Response(s.TokenPairOutput(pair).data)
