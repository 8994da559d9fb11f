"""Admin: analysts review model versions (approve, retire, re-run a backtest); forecasts are read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from apps.predictions import services
from apps.predictions.models import BacktestRun, ModelVersion, NewsItem, Prediction, PredictionJob, VersionStatus
from apps.predictions.selectors import inputs_in_words
from quantumvest import formatting
from quantumvest.errors import DomainError, ServiceUnavailable


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _set_status(modeladmin, request, queryset, status: str) -> None:
    changed, refused = 0, []
    for version in queryset:
        try:
            services.set_version_status(version=version, status=status, by=request.user)
            changed += 1
        except DomainError as exc:
            refused.append(exc.detail)
    if changed:
        modeladmin.message_user(request, f"{changed} version(s) now {status}.", messages.SUCCESS)
    for detail in refused:
        modeladmin.message_user(request, detail, messages.ERROR)


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ["asset", "algorithm", "status", "trained_at", "training_end", "chosen_models", "code_version"]
    list_filter = ["status", "algorithm"]
    search_fields = ["asset__id"]
    date_hierarchy = "trained_at"
    readonly_fields = [
        "id",
        "asset",
        "algorithm",
        "parameters",
        "code_version",
        "training_start",
        "training_end",
        "trained_at",
        "status",
        "status_changed_by",
        "status_changed_at",
        "selection_table",
        "metrics_table",
        "artifact",
        "checksum",
    ]
    actions = ["approve", "retire", "rerun_backtest"]

    def has_change_permission(self, request, obj=None):
        # Viewing the detail page needs "view"; status changes go through the actions below.
        return False

    @admin.display(description="Chosen model per horizon")
    def chosen_models(self, version: ModelVersion) -> str:
        return ", ".join(f"{name}: {summary.get('model', '?')}" for name, summary in (version.metrics or {}).items())

    @admin.display(description="Selection")
    def selection_table(self, version: ModelVersion):
        rows = []
        for name, summary in (version.metrics or {}).items():
            metrics = summary.get("metrics") or {}
            rows.append(
                (
                    name,
                    summary.get("model"),
                    "yes" if summary.get("beats_random_walk") else "no",
                    formatting.integer(metrics.get("n_forecasts")),
                    formatting.number(metrics.get("rel_mae"), 3),
                    formatting.percent(metrics.get("coverage"), 1),
                    inputs_in_words(summary),
                )
            )
        return format_html_join(
            "\n",
            "<div>{}: {} · beats random walk: {} · {} forecasts · relMAE {} · coverage {} · inputs: {}</div>",
            rows,
        )

    @admin.display(description="Backtest metrics per horizon")
    def metrics_table(self, version: ModelVersion):
        """Every stored backtest metric, one row a horizon, numbers to four significant digits
        (the raw JSON stays in the API and the database)."""
        horizons = [(name, (summary or {}).get("metrics") or {}) for name, summary in (version.metrics or {}).items()]
        keys = sorted({key for _, metrics in horizons for key, value in metrics.items() if _is_figure(value)})
        if not keys:
            return "—"
        head = format_html_join("", "<th scope='col'>{}</th>", ((key,) for key in keys))
        body = format_html_join(
            "",
            "<tr><th scope='row'>{}</th>{}</tr>",
            (
                (name, format_html_join("", "<td class='num'>{}</td>", ((_significant(metrics.get(k)),) for k in keys)))
                for name, metrics in horizons
            ),
        )
        return format_html(
            "<table><thead><tr><th scope='col'>Horizon</th>{}</tr></thead><tbody>{}</tbody></table>", head, body
        )

    @admin.action(description="Approve selected versions (serve them)", permissions=["review"])
    def approve(self, request, queryset):
        _set_status(self, request, queryset, VersionStatus.APPROVED)

    @admin.action(description="Retire selected versions (never serve them again)", permissions=["review"])
    def retire(self, request, queryset):
        _set_status(self, request, queryset, VersionStatus.RETIRED)

    @admin.action(description="Re-run the backtest on today's prices (queues a job)", permissions=["review"])
    def rerun_backtest(self, request, queryset):
        try:
            runs = [services.request_backtest(version=version, by=request.user) for version in queryset]
        except ServiceUnavailable as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return
        self.message_user(request, f"Queued {len(runs)} backtest run(s); see Backtest runs.", messages.SUCCESS)

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("predictions.review_modelversion")


@admin.register(Prediction)
class PredictionAdmin(ReadOnlyAdmin):
    list_display = [
        "asset",
        "timeframe",
        "as_of",
        "target_date",
        "predicted_price",
        "direction",
        "confidence_score",
        "model_name",
        "realised_price",
        "direction_correct",
        "in_interval",
        "replayed",
    ]
    # Replayed forecasts (issued by the market replay as of a past date) are kept apart from live ones.
    list_filter = ["replayed", "timeframe", "direction", "model_name", "in_interval", "direction_correct"]
    search_fields = ["asset__id"]
    date_hierarchy = "as_of"
    list_select_related = ["asset"]


@admin.register(PredictionJob)
class PredictionJobAdmin(ReadOnlyAdmin):
    list_display = ["asset", "user", "state", "progress", "created_at", "finished_at"]
    list_filter = ["state"]
    search_fields = ["asset__id", "user__email"]


@admin.register(BacktestRun)
class BacktestRunAdmin(ReadOnlyAdmin):
    list_display = ["model_version", "user", "state", "progress", "created_at", "finished_at"]
    list_filter = ["state"]


@admin.register(NewsItem)
class NewsItemAdmin(ReadOnlyAdmin):
    """Headlines are scored when they arrive; the score is never edited by hand."""

    list_display = ["title", "source", "published_at", "sentiment_score", "sentiment_label"]
    list_filter = ["sentiment_label", "source"]
    search_fields = ["title", "url", "assets__id"]
    date_hierarchy = "published_at"


def _is_figure(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _significant(value) -> str:
    """A metric to four significant digits, with the pages' minus sign; "—" when absent."""
    if not _is_figure(value):
        return "—"
    if isinstance(value, int):
        return formatting.integer(value)
    return f"{value:.4g}".replace("-", formatting.MINUS)
