from django.apps import AppConfig


class OnchainConfig(AppConfig):
    name = "apps.onchain"
    verbose_name = "On-chain"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.onchain import checks  # noqa: F401  (registers the chain-id system check)
