"""Admin for the alerts area (registered by apps.home.admin)."""
