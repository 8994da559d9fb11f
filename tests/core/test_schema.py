"""The OpenAPI schema is valid, warning-free and describes auth; Swagger UI runs under our CSP."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

AUTH_PATHS = {
    "/api/v1/auth/register/": "201",
    "/api/v1/auth/token/": "200",
    "/api/v1/auth/token/refresh/": "200",
    "/api/v1/auth/token/verify/": "200",
    "/api/v1/auth/logout/": "204",
}
ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _error_ref(operation: dict, status: str) -> str:
    return operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]


def test_schema_generates_valid_without_warnings(tmp_path):
    # --fail-on-warn turns every generator warning (an unguessable serializer, an unresolvable
    # type...) into a failure, for every app's endpoints.
    GENERATOR_STATS.reset()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    generated = yaml.safe_load((tmp_path / "schema.yaml").read_text())
    assert generated["openapi"].startswith("3.")


def test_schema_declares_jwt_bearer_auth(schema):
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert {"jwtAuth": []} in schema["paths"]["/api/v1/me/"]["get"]["security"]


@pytest.mark.parametrize("path", AUTH_PATHS)
def test_auth_endpoints_are_public_and_document_success_and_errors(schema, path):
    operation = schema["paths"][path]["post"]
    assert operation["security"] == [{}]
    assert AUTH_PATHS[path] in operation["responses"]
    for status in ("400", "429"):
        assert _error_ref(operation, status) == ERROR_REF
    if path != "/api/v1/auth/register/":
        assert _error_ref(operation, "401") == ERROR_REF


def test_token_endpoint_documents_its_request_and_response(schema):
    components = schema["components"]["schemas"]
    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request = components[request_ref.rsplit("/", 1)[1]]
    assert set(request["required"]) == {"email", "password"}
    response_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert set(components[response_ref.rsplit("/", 1)[1]]["properties"]) == {"access", "refresh"}


def test_error_component_is_the_one_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "code", "fields"}
    assert error["properties"]["fields"]["additionalProperties"]["items"]["type"] == "string"


def test_protected_endpoints_document_401(schema):
    for method in ("get", "patch"):
        assert _error_ref(schema["paths"]["/api/v1/me/"][method], "401") == ERROR_REF


def test_swagger_ui_uses_only_local_scripts_and_a_strict_csp():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts, html
    sources = [re.search(r'src="([^"]+)"', attributes).group(1) for attributes in scripts]  # no inline script
    for source in sources:
        assert source.startswith("/"), source  # never a CDN
    sidecar = [s for s in sources if s.startswith("/static/")]
    assert sidecar
    for source in sidecar:
        assert finders.find(source.removeprefix("/static/")), source
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src


def test_swagger_ui_initialiser_is_served_as_a_script():
    html = APIClient().get("/api/docs/").content.decode()
    initialiser = next(s for s in re.findall(r'src="([^"]+)"', html) if "script" in s and "static" not in s)
    response = APIClient().get(initialiser.replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in response.content.decode()
