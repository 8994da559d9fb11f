"""The analysts' upload page, the job page, the admin import view and the quality-issue filter."""

from __future__ import annotations

import time
from pathlib import Path
from unittest.mock import patch

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.assets import services
from apps.assets.models import Asset, ImportJob, PriceBar
from quantumvest import jobs
from tests.accounts.factories import UserFactory
from tests.assets.factories import AssetFactory, PriceBarFactory

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def upload(content: bytes, name: str = "prices.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def analyst(client, db):
    user = UserFactory(role="analyst")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_investor_gets_403_on_the_upload_page(client):
    client.force_login(UserFactory(role="investor"))
    assert client.get(reverse("assets:import")).status_code == 403
    response = client.post(reverse("assets:import"), {"file": upload(b"date,AAA\n2020-01-02,1\n")})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("assets:import"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_analyst_sees_the_upload_form(client, analyst):
    response = client.get(reverse("assets:import"))
    assert response.status_code == 200
    assert b'name="file"' in response.content and b"skip_invalid" in response.content


def test_upload_queues_a_job_and_redirects_to_its_page(client, analyst):
    response = client.post(
        reverse("assets:import"), {"file": upload(b"date,AAA\n2020-01-02,1\n"), "create_assets": "on"}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("assets:import-job", args=[job.pk])
    assert (job.user, job.filename, job.create_assets, job.state) == (analyst, "prices.csv", True, "queued")


def test_htmx_upload_answers_the_panel_with_the_job(client, analyst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("assets:import"), {"file": upload(b"date,AAA\n2020-01-02,1\n")}, headers={"HX-Request": "true"}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<div id="import-panel"')
    assert reverse("assets:import-job", args=[job.pk]).encode() in response.content
    assert b"<html" not in response.content


def test_invalid_form_answers_422_with_the_form(client, analyst):
    response = client.post(reverse("assets:import"), {"symbol": "bad symbol!"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert b"This field is required" in response.content
    assert not ImportJob.objects.exists()


def test_upload_over_the_limit_is_refused_before_parsing(client, analyst, settings):
    settings.QV_IMPORT_MAX_BYTES = 1000
    big = b"date,AAA\n" + b"2020-01-02,1\n" * 20_000  # 260 kB: over the limit plus the multipart slack
    response = client.post(reverse("assets:import"), {"file": upload(big)})
    assert response.status_code == 413
    assert b"larger than the limit" in response.content
    small_over = b"date,AAA\n" + b"2020-01-02,1\n" * 100  # over the limit, within the slack: stopped while streaming
    response = client.post(reverse("assets:import"), {"file": upload(small_over)}, headers={"HX-Request": "true"})
    assert response.status_code == 413 and b"larger than the limit" in response.content
    assert response["HX-Reswap"] == "beforebegin"  # the message goes above the form, which stays
    assert not ImportJob.objects.exists()


def test_job_page_shows_the_report_and_another_users_job_is_404(client, analyst):
    AssetFactory(id="AAA")
    job = ImportJob.objects.create(user=analyst, filename="p.csv")
    jobs.start(job)
    jobs.succeed(
        job,
        {
            "created": 3,
            "updated": 0,
            "unchanged": 0,
            "rejected": 0,
            "flagged": 0,
            "applied": True,
            "format": "wide",
            "symbols": ["AAA"],
            "errors": [],
            "warnings": [],
        },
    )
    response = client.get(reverse("assets:import-job", args=[job.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'id="import-job-' in response.content and b"<html" not in response.content
    assert b"hx-trigger" not in response.content  # finished: no more polling

    other = ImportJob.objects.create(user=UserFactory(role="analyst"), filename="theirs.csv")
    assert client.get(reverse("assets:import-job", args=[other.pk])).status_code == 404


def test_running_job_partial_keeps_polling(client, analyst):
    job = ImportJob.objects.create(user=analyst, filename="p.csv")
    jobs.start(job)
    jobs.report_progress(job, 40, "Checking rows")
    response = client.get(reverse("assets:import-job", args=[job.pk]), headers={"HX-Request": "true"})
    assert b'hx-trigger="every 1s"' in response.content and b'value="40"' in response.content


def test_live_progress_comes_from_the_cache_while_the_import_transaction_is_open(client, analyst):
    job = ImportJob.objects.create(user=analyst, filename="p.csv")
    jobs.start(job)
    cache.set(services._progress_key(job.pk), (63, "Importing rows"))
    response = client.get(reverse("assets:import-job", args=[job.pk]), headers={"HX-Request": "true"})
    assert b'value="63"' in response.content and b"Importing rows" in response.content


def test_running_an_import_job_reports_progress_to_the_cache(analyst, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    job = ImportJob(user=analyst, filename="SPY.csv", create_assets=True)
    job.file.save("SPY.csv", upload((SAMPLE / "yahoo_SPY_2008_2017.csv").read_bytes()), save=True)
    seen = []
    real_set = cache.set

    def recording_set(key, value, *args, **kwargs):
        if key == services._progress_key(job.pk):
            seen.append(value)
        return real_set(key, value, *args, **kwargs)

    with patch.object(cache, "set", recording_set):
        services.run_import_job(str(job.pk))
    assert [percent for percent, _ in seen] == sorted(percent for percent, _ in seen)
    assert any(0 < percent < 100 for percent, _ in seen) and seen[-1] == (100, "Done")


def test_failed_job_lists_rejected_rows(client, analyst, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    AssetFactory(id="AAA")
    job = ImportJob(user=analyst, filename="bad.csv")
    job.file.save("bad.csv", upload(b"date,AAA\n2020-01-02,1\n2020-01-03,x\n"), save=True)
    services.run_import_job(str(job.pk))
    job.refresh_from_db()
    assert job.state == "failed" and not job.file
    assert job.result["errors"] == [{"line": 3, "column": "AAA", "reason": "'x' is not a number"}]
    response = client.get(reverse("assets:import-job", args=[job.pk]))
    assert b"&#x27;x&#x27; is not a number" in response.content
    assert not PriceBar.objects.exists()


@pytest.mark.worker
def test_upload_runs_as_a_job_on_a_real_worker_with_progress(client, celery_worker_process):
    # The upload is stored under MEDIA_ROOT (from QV_VAR_DIR), which the worker process shares.
    analyst = UserFactory(role="analyst")
    client.force_login(analyst)
    content = (SAMPLE / "yahoo_SPY_2008_2017.csv").read_bytes()
    response = client.post(
        reverse("assets:import"), {"file": upload(content, "SPY.csv"), "create_assets": "on", "asset_type": "etf"}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.2)
    assert job.state == "succeeded", job.error
    assert job.progress == 100 and job.result["created"] == 2519 and job.result["flagged"] == 2
    assert PriceBar.objects.filter(asset_id="SPY").count() == 2519
    assert Asset.objects.get(pk="SPY").type == "etf"
    page = client.get(reverse("assets:import-job", args=[job.pk]))
    assert b"2519" in page.content and b"below low" in page.content


# --- Admin ---------------------------------------------------------------------------------------


def test_admin_lists_bars_with_quality_issues_for_analysts(client, analyst):
    flagged = PriceBarFactory(quality_issues=["open_below_low"])
    PriceBarFactory(asset=flagged.asset)
    response = client.get(reverse("admin:assets_pricebar_changelist") + "?has_quality_issues=yes")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert b"open_below_low" in response.content


def test_admin_asset_list_has_bar_counts_in_constant_queries(client, analyst):
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("admin:assets_asset_changelist"))
        assert response.status_code == 200
        return len(captured)

    PriceBarFactory(asset=AssetFactory(id="Q0"))
    few = queries_for_page()
    for index in range(1, 6):
        PriceBarFactory(asset=AssetFactory(id=f"Q{index}"))
        PriceBarFactory(asset=AssetFactory(id=f"Q{index}"))
    response = client.get(reverse("admin:assets_asset_changelist"))
    assert b"Q5" in response.content
    assert queries_for_page() == few


def test_admin_import_view_queues_a_job(client, analyst, django_capture_on_commit_callbacks):
    url = reverse("admin:assets_pricebar_import")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, {"file": upload(b"date,AAA\n2020-01-02,1\n"), "create_assets": "on"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and str(job.pk) in response["Location"]
