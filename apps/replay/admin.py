"""Replay runs in the admin: read-only records (replays start from the command line only)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.replay.models import ReplayRun


@admin.register(ReplayRun)
class ReplayRunAdmin(admin.ModelAdmin):
    list_display = ["start", "end", "issue_every", "state", "current_day", "days_done", "days_total", "created_at"]
    list_filter = ["state"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
