"""Admin for alerts and their triggers (read-only triggers: the record of what fired)."""

from django.contrib import admin

from apps.home.models import Alert, AlertTrigger


class TriggerInline(admin.TabularInline):
    model = AlertTrigger
    extra = 0
    can_delete = False
    readonly_fields = ("key", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("kind", "user", "asset", "threshold", "active", "armed", "last_triggered_at", "created_at")
    list_filter = ("kind", "active", "armed")
    search_fields = ("user__email", "asset__id")
    list_select_related = ("user", "asset")
    raw_id_fields = ("user", "asset", "portfolio", "tracked_address")
    readonly_fields = ("armed", "evaluated_through", "last_triggered_at", "created_at")
    inlines = [TriggerInline]
