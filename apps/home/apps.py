from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The investor's home: dashboard, watchlist, alerts and notifications. It reads from every other
    app and none reads from it: domain apps publish events (quantumvest.events); this app subscribes."""

    name = "apps.home"
    verbose_name = "Dashboard, watchlist, alerts and notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from apps.home import subscriptions

        subscriptions.register()
        # Wiring, not domain logic: a session that ends closes its live streams at once.
        user_logged_out.connect(_close_streams, dispatch_uid="home-close-streams")


def _close_streams(sender, request, user, **kwargs) -> None:
    from apps.home import realtime

    if user is not None and request is not None and getattr(request, "session", None) is not None:
        realtime.publish_to_user(user.pk, "logout", {"session": realtime.session_tag(request.session.session_key)})
