"""What every HTMX face does the same way: the page or its partial, and domain errors on a form."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from quantumvest.errors import DomainError


def render_page(request: HttpRequest, template: str, partial: str, context: dict, status: int = 200) -> HttpResponse:
    """``template#partial`` for htmx requests, the full ``template`` otherwise (Vary: HX-Request)."""
    response = render(request, f"{template}#{partial}" if request.htmx else template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def add_domain_error(form, error: DomainError) -> None:
    """Put a service's DomainError on ``form``: each field's problems on that field, the rest on the form."""
    if not error.fields:
        form.add_error(None, error.detail)
    for name, problems in error.fields.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)
