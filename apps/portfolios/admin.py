"""Admin of users' portfolios, lots, optimisation runs and backtests: searchable, read-only for
analysts (view permission only, see apps/accounts/roles.py). Saves of portfolios and lots by admins
go through the same services as every other face; runs are results and are never edited; share
links are listed and read (only a digest of their token is stored, so the admin cannot open them)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest

from apps.portfolios import services
from apps.portfolios.models import BacktestRun, OptimizationRun, Portfolio, PortfolioAsset, PortfolioShare


class LotInline(admin.TabularInline):
    """The portfolio's lots for reading; lots are added and changed on their own admin page, which
    saves through the services."""

    model = PortfolioAsset
    fields = ("asset", "quantity", "purchase_price", "purchase_date", "created_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "base_currency", "lots", "created_at", "updated_at")
    list_filter = ("base_currency",)
    search_fields = ("name", "user__email", "user__name", "id")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("id", "created_at", "updated_at")
    inlines = [LotInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(_lots=Count("lots"))

    @admin.display(description="lots", ordering="_lots")
    def lots(self, obj: Portfolio) -> int:
        return obj._lots

    def save_model(self, request, obj: Portfolio, form, change: bool) -> None:
        if change:
            services.update_portfolio(portfolio=obj, name=obj.name, base_currency=obj.base_currency)
        else:
            created = services.create_portfolio(user=obj.user, name=obj.name, base_currency=obj.base_currency)
            obj.pk = created.pk

    def delete_model(self, request, obj: Portfolio) -> None:
        services.delete_portfolio(portfolio=obj)


class LotAdminForm(forms.ModelForm):
    """The lot's model validation plus the services' purchase-date rule, as a field error (not a 500)."""

    class Meta:
        model = PortfolioAsset
        fields = ("portfolio", "asset", "quantity", "purchase_price", "purchase_date")

    def clean(self):
        data = super().clean()
        asset, day = data.get("asset"), data.get("purchase_date")
        if asset is not None and day is not None:
            error = services.purchase_date_error(asset_id=asset.pk, purchase_date=day)
            if error:
                self.add_error("purchase_date", error)
        return data


@admin.register(PortfolioAsset)
class LotAdmin(admin.ModelAdmin):
    form = LotAdminForm
    list_display = ("asset", "portfolio", "owner", "quantity", "purchase_price", "purchase_date")
    list_filter = ("asset__type",)
    search_fields = ("asset__id", "asset__name", "portfolio__name", "portfolio__user__email", "id")
    list_select_related = ("asset", "portfolio__user")
    raw_id_fields = ("portfolio", "asset")
    readonly_fields = ("id", "created_at", "updated_at")
    date_hierarchy = "purchase_date"

    @admin.display(description="owner", ordering="portfolio__user__email")
    def owner(self, obj: PortfolioAsset) -> str:
        return obj.portfolio.user.email

    def save_model(self, request, obj: PortfolioAsset, form, change: bool) -> None:
        if change:
            services.update_lot(
                lot=obj,
                symbol=obj.asset_id,
                quantity=obj.quantity,
                purchase_price=obj.purchase_price,
                purchase_date=obj.purchase_date,
            )
        else:
            created = services.add_lot(
                portfolio=obj.portfolio,
                symbol=obj.asset_id,
                quantity=obj.quantity,
                purchase_price=obj.purchase_price,
                purchase_date=obj.purchase_date,
            )
            obj.pk = created.pk

    def delete_model(self, request, obj: PortfolioAsset) -> None:
        services.delete_lot(lot=obj)


class RunAdmin(admin.ModelAdmin):
    """Runs are computed results: listed and read, deletable by admins, never added or edited here."""

    list_filter = ("state",)
    search_fields = ("id", "portfolio__name", "portfolio__user__email")
    list_select_related = ("portfolio__user",)
    date_hierarchy = "created_at"

    @admin.display(description="owner", ordering="portfolio__user__email")
    def owner(self, obj) -> str:
        return obj.portfolio.user.email

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OptimizationRun)
class OptimizationRunAdmin(RunAdmin):
    list_display = ("id", "portfolio", "owner", "objective", "state", "sharpe", "created_at")
    list_filter = ("state", "objective")


@admin.register(BacktestRun)
class BacktestRunAdmin(RunAdmin):
    list_display = ("id", "portfolio", "owner", "state", "created_at")


@admin.register(PortfolioShare)
class PortfolioShareAdmin(admin.ModelAdmin):
    """Share links for reading: created and revoked by their owner only (the services check it).
    Deletable by admins like runs (deleting a portfolio deletes its links; a deleted link is 404)."""

    list_display = ("token_hint", "portfolio", "owner", "include_quantities", "active", "created_at", "revoked_at")
    list_filter = ("include_quantities", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("token_hint", "portfolio__name", "portfolio__user__email", "id")
    list_select_related = ("portfolio__user",)
    fields = ("id", "portfolio", "token_hint", "include_quantities", "created_by", "created_at", "revoked_at")
    readonly_fields = fields
    date_hierarchy = "created_at"

    @admin.display(description="owner", ordering="portfolio__user__email")
    def owner(self, obj: PortfolioShare) -> str:
        return obj.portfolio.user.email

    @admin.display(description="active", boolean=True, ordering="revoked_at")
    def active(self, obj: PortfolioShare) -> bool:
        return obj.is_active

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
