from django.apps import AppConfig


class ReplayConfig(AppConfig):
    name = "apps.replay"
    verbose_name = "Market replay"
    default_auto_field = "django.db.models.BigAutoField"
