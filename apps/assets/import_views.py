"""HTML face of price imports for analysts: the upload page and the job page (polled by htmx).

Kept apart from ``views.py`` (the browsing pages) because it is a different audience and use case.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from apps.assets import services
from apps.assets.forms import PriceImportForm
from quantumvest.errors import DomainError, NotFound


def _require_analyst(request: HttpRequest) -> None:
    if not request.user.is_analyst:
        raise PermissionDenied("Importing prices needs the analyst role.")


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def price_import(request: HttpRequest) -> HttpResponse:
    """Upload a price file; it is imported by a Celery job whose page shows progress and the report."""
    _require_analyst(request)
    template = "assets/import.html#panel" if request.htmx else "assets/import.html"
    status, job = 200, None
    if request.method == "POST":
        # An upload over QV_IMPORT_MAX_BYTES never gets here: quantumvest.uploads answers 413 unread.
        form = PriceImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = services.queue_import_job(
                    upload=form.cleaned_data["file"], by=request.user, **form.import_options()
                )
            except DomainError as exc:
                form.add_error("file", exc.detail)
                if exc.status_code == 503:
                    status = 503  # the broker is down: the job was not queued (and is marked failed)
            else:
                if not request.htmx:
                    return redirect("assets:import-job", job_id=job.pk, permanent=False)
                form = PriceImportForm()
        if form.errors and status != 503:
            status = 422
    else:
        form = PriceImportForm()
    return render(request, template, _context(request, form, job), status=status)


def _context(request: HttpRequest, form: PriceImportForm, job=None) -> dict:
    return {"form": form, "job": job, "recent_jobs": services.recent_import_jobs(request.user)}


@login_required
@require_GET
@vary_on_headers("HX-Request")
def import_job(request: HttpRequest, job_id) -> HttpResponse:
    """One import job: state, progress, and when finished the report (rejected rows, warnings)."""
    _require_analyst(request)
    try:
        job = services.get_import_job_for_user(job_id, request.user)
    except NotFound:
        raise Http404("No such import job.") from None
    template = "assets/import_job.html#job" if request.htmx else "assets/import_job.html"
    return render(request, template, {"job": job})
