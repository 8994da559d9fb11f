"""Admin for analysts: assets with bar counts and date ranges (one query), bars with raw ids, a date
hierarchy and a "has quality issues" filter, import jobs, and the "Import prices from file" view."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.assets import services
from apps.assets.forms import PriceImportForm
from apps.assets.models import Asset, ImportJob, PriceBar
from quantumvest.errors import DomainError


class AssetAdminForm(forms.ModelForm):
    class Meta:
        model = Asset
        fields = "__all__"  # noqa: DJ007 - the admin's own field list decides what is shown

    def clean_metadata(self):
        """A token link in the metadata (chain_id, contract_address) must name a real token."""
        from apps.onchain.services.links import checked_link_metadata

        try:
            return checked_link_metadata(self.cleaned_data.get("metadata") or {})
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from exc


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    form = AssetAdminForm
    list_display = ("id", "name", "type", "currency", "is_active", "bar_count", "first_date", "last_date", "flagged")
    list_filter = ("type", "is_active")
    search_fields = ("id", "name")
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest):
        # One grouped query for the whole page: no query per row.
        return (
            super()
            .get_queryset(request)
            .annotate(
                _bars=Count("bars"),
                _first=Min("bars__date"),
                _last=Max("bars__date"),
                _flagged=Count("bars", filter=~Q(bars__quality_issues=[])),
            )
        )

    @admin.display(description="bars", ordering="_bars")
    def bar_count(self, asset: Asset) -> int:
        return asset._bars

    @admin.display(description="first bar", ordering="_first")
    def first_date(self, asset: Asset):
        return asset._first

    @admin.display(description="last bar", ordering="_last")
    def last_date(self, asset: Asset):
        return asset._last

    @admin.display(description="quality issues", ordering="_flagged")
    def flagged(self, asset: Asset) -> int:
        return asset._flagged


class HasQualityIssuesFilter(admin.SimpleListFilter):
    title = "has quality issues"
    parameter_name = "has_quality_issues"

    def lookups(self, request, model_admin):
        return (("yes", "Yes"), ("no", "No"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(quality_issues=[])
        if self.value() == "no":
            return queryset.filter(quality_issues=[])
        return queryset


@admin.register(PriceBar)
class PriceBarAdmin(admin.ModelAdmin):
    list_display = ("asset_id", "date", "open", "high", "low", "close", "adj_close", "volume", "issues")
    list_filter = (HasQualityIssuesFilter, "asset__type")
    search_fields = ("asset__id",)
    raw_id_fields = ("asset",)
    date_hierarchy = "date"
    ordering = ("asset_id", "-date")
    show_full_result_count = False
    change_list_template = "admin/assets/pricebar/change_list.html"

    @admin.display(description="quality issues")
    def issues(self, bar: PriceBar) -> str:
        return ", ".join(bar.quality_issues)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="assets_pricebar_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Import prices from file: the upload form; the import runs as a job (see Import jobs)."""
        if not (request.user.is_analyst and self.has_add_permission(request)):
            raise PermissionDenied
        form = PriceImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = services.queue_import_job(
                    upload=form.cleaned_data["file"], by=request.user, **form.import_options()
                )
            except DomainError as exc:
                form.add_error("file", exc.detail)
            else:
                self.message_user(request, f"Importing {job.filename}: follow the job below.", messages.SUCCESS)
                return redirect(reverse("admin:assets_importjob_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import prices from file",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/assets/pricebar/import.html", context)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("filename", "user", "state", "progress", "message", "created_at")
    list_filter = ("state",)
    list_select_related = ("user",)
    readonly_fields = [field.name for field in ImportJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
