"""HTML views: tracked transactions (``/onchain/transactions/``), thin around services.transactions.

htmx convention (templates/base.html): an invalid hash answers 422 with the form partial, a node
that cannot answer 503 with the form partial saying why (nothing stored); a valid submission
redirects to the transaction's page. That page, while the transaction is not final, polls itself
with htmx (the ``status`` partial) and each poll is one bounded check of the node.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django_htmx.http import HttpResponseClientRedirect

from apps.onchain.chain import ChainUnavailable
from apps.onchain.models import TrackedTransaction
from apps.onchain.networks import network, required_confirmations
from apps.onchain.services import transactions as service
from apps.onchain.services.tokens import format_units
from quantumvest.errors import ValidationFailed
from quantumvest.htmx import render_page

LIST = "onchain/transactions.html"
DETAIL = "onchain/transactions_detail.html"
POLL_SECONDS = 5
# The page lists the most recent ones; the API pages through all of them.
LIST_LIMIT = 100


class TrackForm(forms.Form):
    tx_hash = forms.CharField(
        label="Transaction hash",
        max_length=80,
        help_text="0x and 64 hexadecimal digits, as your wallet or an explorer shows it.",
        widget=forms.TextInput(attrs={"placeholder": "0x…", "autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_tx_hash(self) -> str:
        try:
            return service.normalise_hash(self.cleaned_data["tx_hash"])
        except ValidationFailed as error:
            raise forms.ValidationError(error.fields["tx_hash"]) from error


def _present(row: TrackedTransaction) -> dict:
    """What the templates show of a row: amounts with their decimals (exact), explorer links."""
    net = network(row.chain_id)
    transfers = [
        {
            **t,
            "amount": format_units(int(t["value"]), t["decimals"]) if t.get("decimals") is not None else t["value"],
            "unit": t.get("symbol") or ("base units" if t.get("decimals") is None else ""),
            "token_url": net.address_url(t["token"]),
            "from_url": net.address_url(t["from_address"]),
            "to_url": net.address_url(t["to_address"]),
        }
        for t in row.transfers
    ]
    return {
        "tx": row,
        "network": net,
        "required": required_confirmations(row.chain_id),
        "value": None if row.value is None else format_units(row.value, net.decimals),
        "transfers": transfers,
        "tx_url": net.tx_url(row.tx_hash),
        "from_url": net.address_url(row.from_address) if row.from_address else "",
        "to_url": net.address_url(row.to_address) if row.to_address else "",
        "block_url": net.block_url(row.block_number) if row.block_number is not None else "",
        "poll_seconds": POLL_SECONDS,
    }


@login_required
def transaction_list(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = TrackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                row, created = service.track_transaction(user=request.user, tx_hash=form.cleaned_data["tx_hash"])
            except ChainUnavailable as error:
                form.add_error(None, error.detail)
                status = 503
            else:
                if not created:
                    messages.info(request, "You already track this transaction.")
                url = reverse("onchain:transaction", args=[row.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    rows = [_present(row) for row in service.transactions_for_user(request.user)[: LIST_LIMIT + 1]]
    context = {"form": form, "rows": rows[:LIST_LIMIT], "more": len(rows) > LIST_LIMIT}
    return render_page(request, LIST, "track_form", context, status=status)


@login_required
def transaction_detail(request: HttpRequest, transaction_id: int) -> HttpResponse:
    row = service.get_transaction_for_user(request.user, transaction_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    problem = ""
    try:
        row = service.refresh_if_stale(row)
    except ChainUnavailable as error:
        problem = error.detail
    return render_page(request, DETAIL, "status", {**_present(row), "problem": problem})


@login_required
def transaction_delete(request: HttpRequest, transaction_id: int) -> HttpResponse:
    row = service.get_transaction_for_user(request.user, transaction_id)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "GET":
        return redirect("onchain:transaction", transaction_id=row.pk)
    service.untrack_transaction(row=row)
    messages.success(request, f"Stopped tracking {row.tx_hash[:10]}….")
    url = reverse("onchain:transactions")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


urlpatterns = [
    path("transactions/", transaction_list, name="transactions"),
    path("transactions/<int:transaction_id>/", transaction_detail, name="transaction"),
    path("transactions/<int:transaction_id>/delete/", transaction_delete, name="transaction-delete"),
]
