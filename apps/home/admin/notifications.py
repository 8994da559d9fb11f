"""Admin for the notifications area (registered by apps.home.admin)."""
