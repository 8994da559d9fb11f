from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_role_groups(sender, using, **kwargs):
    """Infrastructure, not domain logic: keep the role groups in step with ``roles.ROLE_PERMISSIONS``.

    Runs after each app's migrations, so permissions of apps migrated later are picked up too.
    """
    from apps.accounts.roles import sync_role_groups

    sync_role_groups(using=using)


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        post_migrate.connect(_sync_role_groups, dispatch_uid="accounts.sync_role_groups")
