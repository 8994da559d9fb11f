"""Account use cases."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import User, normalize_email


@transaction.atomic
def ensure_demo_user(*, email: str, password: str) -> User:
    """Create the demo account or reset its password to ``password``; it is an analyst."""
    user, _ = User.objects.get_or_create(email=normalize_email(email), defaults={"name": "Demo Investor"})
    user.set_password(password)
    user.is_active = True
    user.save()
    return user
