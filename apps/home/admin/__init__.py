"""Admin of the home app, one module per area."""

from apps.home.admin import alerts, notifications, watchlist  # noqa: F401 - registers the model admins
