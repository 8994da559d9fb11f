"""Admin for notifications (read-only: they are records of what users were told) and preferences."""

from django.contrib import admin

from apps.home.models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "kind", "created_at", "read_at", "in_app", "email_status")
    list_filter = ("kind", "in_app", "email_status", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "user__email")
    list_select_related = ("user",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "in_app", "email")
    list_filter = ("kind", "in_app", "email")
    search_fields = ("user__email",)
    list_select_related = ("user",)
