from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The investor's home: dashboard, watchlist, alerts and notifications. It reads from every other
    app and none reads from it: domain apps publish events (quantumvest.events); this app subscribes."""

    name = "apps.home"
    verbose_name = "Dashboard, watchlist, alerts and notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.home import subscriptions

        subscriptions.register()
