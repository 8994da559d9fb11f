"""Roles are Django groups; this registry says which model permissions each one holds.

Each app adds its codenames here ("app_label.codename"). ``admin`` holds everything through
``is_superuser`` rather than through its group. ``sync_role_groups`` runs after every migration
(see ``AccountsConfig.ready``) and skips permissions whose model does not exist yet.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS

from apps.accounts.models import Role

ALL = "all"

ROLE_PERMISSIONS: dict[str, list[str] | str] = {
    # Investors use the product through its pages and API; they get no admin permissions.
    Role.INVESTOR: [],
    # Analysts curate market data in the admin; they never manage people.
    Role.ANALYST: [
        "assets.view_asset",
        "assets.add_asset",
        "assets.change_asset",
        "assets.view_pricebar",
        "assets.add_pricebar",
        "assets.change_pricebar",
        "assets.view_importjob",
        # Users' holdings: analysts read them in the admin, they never edit them.
        "portfolios.view_portfolio",
        "portfolios.view_portfolioasset",
        "portfolios.view_optimizationrun",
        "portfolios.view_backtestrun",
        "portfolios.view_portfolioshare",
        # News headlines: analysts read them (they arrive by import, API or feed, scored on arrival).
        "predictions.view_newsitem",
        # Forecasts: analysts review model versions (approve, retire, re-run a backtest); issued
        # forecasts and jobs are read-only records.
        "predictions.view_modelversion",
        "predictions.review_modelversion",
        "predictions.view_prediction",
        "predictions.view_predictionjob",
        "predictions.view_backtestrun",
        # Market replays: which period of history was replayed, and how far a run is.
        "replay.view_replayrun",
    ],
    Role.ADMIN: ALL,
}


def sync_role_groups(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """Create each role's group and set its permissions to exactly those of the registry.

    Returns, per role, the codenames that were skipped because their permission does not exist
    (yet): an app not installed or not migrated. Permissions granted by hand to a role group are
    removed: the registry is the single source of truth.
    """
    from django.contrib.auth.models import Group, Permission

    skipped: dict[str, list[str]] = {}
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=str(role))
        if codenames == ALL:
            # Superuser status grants everything; the group only marks the role.
            group.permissions.clear()
            continue
        wanted = {tuple(name.split(".", 1)) for name in codenames}
        found = [
            perm
            for perm in Permission.objects.using(using)
            .select_related("content_type")
            .filter(codename__in=[code for _, code in wanted])
            if (perm.content_type.app_label, perm.codename) in wanted
        ]
        found_keys = {(perm.content_type.app_label, perm.codename) for perm in found}
        skipped[str(role)] = sorted(f"{app}.{code}" for app, code in wanted - found_keys)
        group.permissions.set(found)
    return skipped
