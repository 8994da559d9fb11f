from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from apps.accounts import services
from apps.accounts.models import Role, User
from apps.accounts.selectors import role_of
from quantumvest.errors import Conflict, ValidationFailed
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
STRONG = "violet-harbour-71-quartz"


def test_register_user_creates_an_active_investor_with_normalised_email():
    user = services.register_user(email="  Ada@Example.COM ", name=" Ada Lovelace ", password=STRONG)

    assert user.email == "ada@example.com"
    assert user.name == "Ada Lovelace"
    assert user.is_active and not user.is_staff and not user.is_superuser
    assert role_of(user) == Role.INVESTOR
    assert user.check_password(STRONG)


def test_passwords_are_stored_with_argon2():
    user = services.register_user(email="ada@example.com", name="", password=STRONG)

    assert user.password.startswith("argon2$")


def test_register_user_refuses_an_address_taken_in_another_case():
    UserFactory(email="ada@example.com")

    with pytest.raises(Conflict) as caught:
        services.register_user(email="ADA@example.com", name="", password=STRONG)

    assert caught.value.fields == {"email": [services.EMAIL_TAKEN]}
    assert User.objects.count() == 1


def test_update_profile_changes_name_and_email():
    user = UserFactory(email="old@example.com", name="Old")

    services.update_profile(user=user, name="New Name", email="New@Example.com")

    user.refresh_from_db()
    assert (user.name, user.email) == ("New Name", "new@example.com")


def test_update_profile_refuses_another_users_email():
    UserFactory(email="taken@example.com")
    user = UserFactory(email="mine@example.com")

    with pytest.raises(Conflict):
        services.update_profile(user=user, name="x", email="TAKEN@example.com")

    user.refresh_from_db()
    assert user.email == "mine@example.com"


def test_update_profile_may_keep_own_email_in_another_case():
    user = UserFactory(email="mine@example.com")

    services.update_profile(user=user, name="Me", email="MINE@example.com")

    user.refresh_from_db()
    assert user.email == "mine@example.com"


def test_change_password_replaces_the_old_one():
    user = UserFactory()

    services.change_password(user=user, new_password=STRONG)

    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert not user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("role", "staff", "superuser"),
    [(Role.INVESTOR, False, False), (Role.ANALYST, True, False), (Role.ADMIN, True, True)],
)
def test_assign_role_sets_the_group_and_admin_flags(role, staff, superuser):
    user = UserFactory()

    services.assign_role(user=user, role=role)

    user.refresh_from_db()
    assert [group.name for group in user.groups.all()] == [role]
    assert (user.is_staff, user.is_superuser) == (staff, superuser)


def test_assign_role_replaces_the_previous_role():
    user = UserFactory(role=Role.ADMIN)

    services.assign_role(user=user, role=Role.INVESTOR)

    user.refresh_from_db()
    assert role_of(user) == Role.INVESTOR
    assert not user.is_staff and not user.is_superuser


def test_assign_role_keeps_groups_that_are_not_roles():
    from django.contrib.auth.models import Group

    beta = Group.objects.create(name="beta-testers")
    user = UserFactory()
    user.groups.add(beta)

    services.assign_role(user=user, role=Role.ANALYST)

    assert set(user.groups.values_list("name", flat=True)) == {"beta-testers", "analyst"}


def test_assign_role_refuses_an_unknown_role():
    user = UserFactory()

    with pytest.raises(ValidationFailed):
        services.assign_role(user=user, role="owner")


def test_ensure_demo_user_makes_an_analyst_who_can_log_in():
    user = services.ensure_demo_user(email="demo@quantumvest.local", password=STRONG)

    assert role_of(user) == Role.ANALYST and user.is_staff
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="DEMO@quantumvest.local", password=STRONG) == user


def test_ensure_demo_user_resets_the_password_of_an_existing_demo():
    services.ensure_demo_user(email="demo@quantumvest.local", password="first-password-77")
    user = services.ensure_demo_user(email="demo@quantumvest.local", password=STRONG)

    assert User.objects.filter(email="demo@quantumvest.local").count() == 1
    assert user.check_password(STRONG)
