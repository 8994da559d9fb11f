"""Account use cases: registration, profile, password, roles, the demo account."""

from __future__ import annotations

import logging

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.accounts.models import Role, SubscriptionTier, User, normalize_email
from quantumvest.errors import Conflict, ValidationFailed

logger = logging.getLogger(__name__)

EMAIL_TAKEN = "An account with this e-mail address already exists."


def _email_taken(email: str, *, exclude: User | None = None) -> bool:
    users = User.objects.filter(email__iexact=email)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.exists()


@transaction.atomic
def register_user(*, email: str, name: str, password: str) -> User:
    """Create an active investor account with ``password`` (already validated by the caller).

    Raises ``Conflict`` (field ``email``) when the address is taken, whatever its case.
    """
    email = normalize_email(email)
    if _email_taken(email):
        raise Conflict(EMAIL_TAKEN, fields={"email": [EMAIL_TAKEN]}, code="email_taken")
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, name=name.strip())
    except IntegrityError as exc:  # a concurrent registration won the race
        raise Conflict(EMAIL_TAKEN, fields={"email": [EMAIL_TAKEN]}, code="email_taken") from exc
    assign_role(user=user, role=Role.INVESTOR)
    return user


@transaction.atomic
def update_profile(*, user: User, name: str, email: str) -> User:
    """Change the user's own name and e-mail. Raises ``Conflict`` when the e-mail belongs to another."""
    email = normalize_email(email)
    if _email_taken(email, exclude=user):
        raise Conflict(EMAIL_TAKEN, fields={"email": [EMAIL_TAKEN]}, code="email_taken")
    user.name = name.strip()
    user.email = email
    user.full_clean(exclude=["password"], validate_unique=False)
    try:
        with transaction.atomic():
            user.save(update_fields=["name", "email"])
    except IntegrityError as exc:
        raise Conflict(EMAIL_TAKEN, fields={"email": [EMAIL_TAKEN]}, code="email_taken") from exc
    return user


@transaction.atomic
def change_password(*, user: User, new_password: str) -> User:
    """Set a new (already validated) password. Sessions and API tokens issued before stop working;
    the caller keeps the current session with ``update_session_auth_hash``."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _blacklist_refresh_tokens(user)
    return user


@transaction.atomic
def deactivate_user(*, user: User) -> User:
    """Close the account: no login, and every session and API token stops working."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    _blacklist_refresh_tokens(user)
    return user


def _blacklist_refresh_tokens(user: User) -> None:
    """Blacklist every outstanding refresh token of ``user``. Tokens are already refused once the
    password changes or the account closes (apps.accounts.api.tokens); this also records it."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )


@transaction.atomic
def assign_role(*, user: User, role: str) -> User:
    """Make ``role`` the user's only role.

    Analysts and admins may log into the admin (``is_staff``); only admins are superusers.
    Raises ``ValidationFailed`` for an unknown role.
    """
    if role not in Role.values:
        raise ValidationFailed(
            f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.",
            fields={"role": [f"Choose one of {', '.join(Role.values)}."]},
            code="unknown_role",
        )
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(pk=group.pk))
    user.groups.add(group)
    user.is_staff = role in (Role.ANALYST, Role.ADMIN)
    user.is_superuser = role == Role.ADMIN
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@transaction.atomic
def ensure_demo_user(*, email: str, password: str) -> User:
    """Create the demo account or reset its password to ``password``; it is an analyst,
    so the demo shows the admin too."""
    user, _ = User.objects.get_or_create(email=normalize_email(email), defaults={"name": "Demo Investor"})
    user.set_password(password)
    user.is_active = True
    user.save()
    return assign_role(user=user, role=Role.ANALYST)


@transaction.atomic
def set_subscription_tier(*, users, tier: str, by=None) -> int:
    """Move ``users`` (a queryset) to ``tier``; how many changed. Logged with who did it. What a
    user already has beyond the new tier's limits stays; only new items are refused."""
    if tier not in SubscriptionTier.values:
        raise ValidationFailed(f"Unknown tier {tier}.", fields={"subscription_tier": ["Use free, pro or enterprise."]})
    changing = list(users.exclude(subscription_tier=tier).values_list("email", flat=True))
    changed = users.exclude(subscription_tier=tier).update(subscription_tier=tier)
    logger.info("tier %s for %s by %s", tier, ", ".join(changing), getattr(by, "email", "system"))
    return changed
