"""Admin for the watchlist area (registered by apps.home.admin)."""
