"""Account reads shared by several faces."""

from __future__ import annotations

from apps.accounts.models import Role, User


def role_of(user: User) -> str | None:
    """The user's highest role name, or ``None`` for an account outside every role.

    Cheap when ``groups`` were prefetched.
    """
    names = {group.name for group in user.groups.all()}
    for role in (Role.ADMIN, Role.ANALYST, Role.INVESTOR):
        if role in names:
            return str(role)
    return None
