from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts import services
from apps.accounts.models import Role, SubscriptionTier, User
from apps.accounts.selectors import role_of


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


def _role_action(role: str):
    def action(modeladmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.assign_role(user=user, role=role)
        modeladmin.message_user(request, f"{queryset.count()} account(s) are now {role}.", messages.SUCCESS)

    action.__name__ = f"make_{role}"
    action.short_description = f"Make selected accounts {role}s"
    return action


def _tier_action(tier: str):
    def action(modeladmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
        changed = services.set_subscription_tier(users=queryset, tier=tier, by=request.user)
        label = SubscriptionTier(tier).label
        modeladmin.message_user(request, f"{changed} account(s) are now on the {label} plan.", messages.SUCCESS)

    action.__name__ = f"move_to_{tier}"
    action.short_description = f"Move selected accounts to the {SubscriptionTier(tier).label} plan"
    return action


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """The e-mail address is the login; there is no username. Roles are groups (see roles.py);
    change them with the actions so that staff and superuser status follow the role."""

    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = ("email", "name", "role", "subscription_tier", "is_active", "is_staff", "created_at")
    list_filter = ("subscription_tier", "groups", "is_active", "is_staff")
    search_fields = ("email", "name")
    ordering = ("email",)
    readonly_fields = ("created_at", "last_login")
    actions = [_role_action(role) for role in Role.values] + [_tier_action(t) for t in SubscriptionTier.values]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "subscription_tier")}),
        ("Role and permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "usable_password", "password1", "password2")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def role(self, user: User) -> str:
        return role_of(user) or "—"
