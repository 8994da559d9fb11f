"""Admin for watchlist entries."""

from django.contrib import admin

from apps.home.models import WatchlistEntry


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(admin.ModelAdmin):
    list_display = ("user", "asset", "created_at")
    search_fields = ("user__email", "asset__id")
    list_select_related = ("user", "asset")
    raw_id_fields = ("user", "asset")
