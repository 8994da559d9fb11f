from __future__ import annotations

import io

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from apps.accounts import roles
from apps.accounts.models import Role
from apps.accounts.selectors import role_of
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _codenames(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_migrate_created_every_role_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_analyst_group_holds_exactly_the_registry_permissions():
    assert _codenames(Group.objects.get(name=Role.ANALYST)) == set(roles.ROLE_PERMISSIONS[Role.ANALYST])


def test_sync_restores_the_registry_after_hand_edits():
    analyst = Group.objects.get(name=Role.ANALYST)
    analyst.permissions.add(Permission.objects.get(codename="delete_user"))
    Group.objects.filter(name=Role.INVESTOR).delete()

    roles.sync_role_groups()

    assert _codenames(Group.objects.get(name=Role.ANALYST)) == set(roles.ROLE_PERMISSIONS[Role.ANALYST])
    assert Group.objects.filter(name=Role.INVESTOR).exists()


def test_sync_skips_permissions_that_do_not_exist_yet(monkeypatch):
    registry = {**roles.ROLE_PERMISSIONS, Role.ANALYST: ["assets.view_asset", "future.view_thing"]}
    monkeypatch.setattr(roles, "ROLE_PERMISSIONS", registry)

    skipped = roles.sync_role_groups()

    assert skipped[Role.ANALYST] == ["future.view_thing"]
    assert _codenames(Group.objects.get(name=Role.ANALYST)) == {"assets.view_asset"}


def test_analyst_may_change_assets_but_not_delete_them_nor_touch_users():
    analyst = UserFactory(role=Role.ANALYST)

    assert analyst.has_perms(["assets.view_asset", "assets.change_asset", "assets.add_pricebar"])
    assert not analyst.has_perm("assets.delete_asset")
    assert not analyst.has_perm("accounts.view_user")


def test_set_role_command_assigns_the_role():
    user = UserFactory(email="ana@example.com")
    out = io.StringIO()

    call_command("set_role", "ANA@example.com", "analyst", stdout=out)

    user.refresh_from_db()
    assert role_of(user) == Role.ANALYST and user.is_staff
    assert "ana@example.com is now analyst" in out.getvalue()


def test_set_role_command_names_a_missing_account():
    with pytest.raises(CommandError, match="No account"):
        call_command("set_role", "nobody@example.com", "analyst")


def test_set_role_command_rejects_an_unknown_role():
    UserFactory(email="ana@example.com")

    with pytest.raises(CommandError):
        call_command("set_role", "ana@example.com", "owner")


# --- Admin: analysts see only what their group grants ------------------------------------------


def test_analyst_can_open_the_admin_index(client):
    client.force_login(UserFactory(role=Role.ANALYST))

    assert client.get("/admin/").status_code == 200


def test_analyst_is_forbidden_the_user_admin(client):
    client.force_login(UserFactory(role=Role.ANALYST))

    response = client.get("/admin/accounts/user/")

    assert response.status_code == 403


def test_analyst_can_open_the_asset_admin(client):
    from apps.assets.models import Asset

    if not admin.site.is_registered(Asset):
        pytest.skip("the assets admin is not registered yet")
    client.force_login(UserFactory(role=Role.ANALYST))

    assert client.get("/admin/assets/asset/").status_code == 200


def test_investor_cannot_enter_the_admin(client):
    client.force_login(UserFactory(role=Role.INVESTOR))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_user_list_filters_and_searches(client):
    client.force_login(UserFactory(role=Role.ADMIN))
    UserFactory(email="findme@example.com", subscription_tier="pro")
    UserFactory(email="other@example.com")

    searched = client.get("/admin/accounts/user/", {"q": "findme"})
    filtered = client.get("/admin/accounts/user/", {"subscription_tier__exact": "pro"})

    assert searched.status_code == filtered.status_code == 200
    assert "findme@example.com" in searched.text and "other@example.com" not in searched.text
    assert "findme@example.com" in filtered.text and "other@example.com" not in filtered.text


def test_admin_can_add_a_user_by_email(client):
    client.force_login(UserFactory(role=Role.ADMIN))

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New@Example.com",
            "name": "New",
            "usable_password": "true",
            "password1": "violet-harbour-71-quartz",
            "password2": "violet-harbour-71-quartz",
        },
    )

    assert response.status_code == 302, response.text[:2000]
    from apps.accounts.models import User

    assert User.objects.get(email="new@example.com").check_password("violet-harbour-71-quartz")


def test_setup_dev_prints_working_demo_credentials_of_an_analyst(settings, tmp_path):
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    from tests.assets.factories import PriceBarFactory

    PriceBarFactory()  # price data present: setup_dev skips loading the (slow) demo data
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    out = io.StringIO()

    call_command("setup_dev", stdout=out)

    email = out.getvalue().split("e-mail:")[1].split()[0]
    password = out.getvalue().split("password:")[1].split()[0]
    user = authenticate(RequestFactory().post("/accounts/login/"), username=email, password=password)
    assert user is not None and role_of(user) == Role.ANALYST


def test_setup_dev_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG=True"):
        call_command("setup_dev")
