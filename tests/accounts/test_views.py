from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import path

from apps.accounts.models import Role, User
from apps.accounts.selectors import role_of
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
STRONG = "violet-harbour-71-quartz"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Page behaviour does not depend on the hasher; Argon2 itself is covered in test_services."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _register_data(**overrides):
    return {"email": "ada@example.com", "name": "Ada", "password1": STRONG, "password2": STRONG, **overrides}


def _logged_in(client) -> bool:
    return SESSION_KEY in client.session


# --- Registration -------------------------------------------------------------------------------


def test_register_page_renders_the_form(client):
    response = client.get("/accounts/register/")

    assert response.status_code == 200
    assert 'name="password2"' in response.text
    assert "<html" in response.text


def test_register_creates_an_investor_logs_in_and_redirects_to_dashboard(client):
    response = client.post("/accounts/register/", _register_data())

    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="ada@example.com")
    assert role_of(user) == Role.INVESTOR
    assert client.session[SESSION_KEY] == str(user.pk)


def test_register_with_mismatched_passwords_answers_422_with_the_error(client):
    response = client.post("/accounts/register/", _register_data(password2="something-else-123"))

    assert response.status_code == 422
    assert "The two passwords differ." in response.text
    assert not User.objects.exists()


def test_register_refuses_a_weak_password(client):
    response = client.post("/accounts/register/", _register_data(password1="12345678", password2="12345678"))

    assert response.status_code == 422
    assert "too short" in response.text
    assert not User.objects.exists()


def test_register_refuses_a_taken_email_in_another_case(client):
    UserFactory(email="ada@example.com")

    response = client.post("/accounts/register/", _register_data(email="ADA@example.com"))

    assert response.status_code == 422
    assert "already exists" in response.text
    assert User.objects.count() == 1


def test_register_inline_check_answers_the_field_errors_fragment(client):
    UserFactory(email="ada@example.com")

    response = client.post("/accounts/register/validate/", {**_register_data(), "_field": "email"}, **HTMX)

    assert response.status_code == 200
    assert response.text.strip().startswith('<div id="id_email_error"')
    assert "already exists" in response.text
    assert "<html" not in response.text


def test_register_inline_check_shows_only_the_checked_field(client):
    data = _register_data(email="not-an-email", password2="different-pass-999")

    response = client.post("/accounts/register/validate/", {**data, "_field": "password2"}, **HTMX)

    assert "The two passwords differ." in response.text
    assert "valid email" not in response.text


def test_register_inline_check_of_a_valid_field_is_empty(client):
    response = client.post("/accounts/register/validate/", {**_register_data(), "_field": "email"}, **HTMX)

    assert response.status_code == 200
    assert "errorlist" not in response.text


def test_register_inline_check_rejects_an_unknown_field(client):
    response = client.post("/accounts/register/validate/", {"_field": "is_superuser"}, **HTMX)

    assert response.status_code == 404


# --- Login and logout -------------------------------------------------------------------------


def test_login_page_labels_the_field_email(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert '<label for="id_username">E-mail</label>' in response.text


def test_login_with_email_in_any_case_logs_in(client):
    user = UserFactory(email="ada@example.com")

    response = client.post("/accounts/login/", {"username": "ADA@Example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(user.pk)


def test_login_follows_a_safe_next_but_not_an_external_one(client):
    UserFactory(email="ada@example.com")
    credentials = {"username": "ada@example.com", "password": DEFAULT_PASSWORD}

    inside = client.post("/accounts/login/?next=/accounts/profile/", credentials)
    client.logout()
    outside = client.post("/accounts/login/?next=https://evil.example/", credentials)

    assert inside["Location"] == "/accounts/profile/"
    assert outside["Location"] == "/"


def test_login_with_wrong_password_answers_422_without_logging_in(client):
    UserFactory(email="ada@example.com")

    response = client.post("/accounts/login/", {"username": "ada@example.com", "password": "wrong-password"})

    assert response.status_code == 422
    assert "do not match an active account" in response.text
    assert not _logged_in(client)


def test_failed_login_on_the_page_is_seen_by_axes(client):
    from axes.models import AccessAttempt

    UserFactory(email="ada@example.com")

    client.post("/accounts/login/", {"username": "ADA@example.com", "password": "wrong-password"})

    assert AccessAttempt.objects.filter(username="ada@example.com", failures_since_start=1).exists()


def test_inactive_user_cannot_log_in(client):
    UserFactory(email="ada@example.com", is_active=False)

    response = client.post("/accounts/login/", {"username": "ada@example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 422
    assert not _logged_in(client)


def test_logout_by_post_ends_the_session(client):
    client.force_login(UserFactory())

    response = client.post("/accounts/logout/")

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not _logged_in(client)


def test_logout_confirms_on_the_login_page(client):
    client.force_login(UserFactory())

    page = client.post("/accounts/logout/", follow=True)

    assert page.status_code == 200 and "You are logged out." in page.text


def test_logout_by_get_does_not_log_out(client):
    client.force_login(UserFactory())

    response = client.get("/accounts/logout/")

    assert response.status_code == 405
    assert _logged_in(client)


def test_logout_is_a_post_form_in_the_page(client):
    client.force_login(UserFactory())

    page = client.get("/").text

    assert re.search(
        r'<form method="post" action="/accounts/logout/">\s*<input type="hidden" name="csrfmiddlewaretoken"', page
    )


# --- CSRF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/register/"])
def test_forms_refuse_a_post_without_csrf_token(url):
    UserFactory(email="ada@example.com")
    client = Client(enforce_csrf_checks=True)

    response = client.post(url, {**_register_data(), "username": "ada@example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert not _logged_in(client)


def test_login_with_the_csrf_token_of_the_page_succeeds():
    UserFactory(email="ada@example.com")
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    response = client.post(
        "/accounts/login/", {"username": "ada@example.com", "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302


def test_body_carries_the_csrf_header_for_htmx(client):
    response = client.get("/accounts/login/")

    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[A-Za-z0-9]{32,}\"\}'>", response.text)


# --- Dashboard, session expiry --------------------------------------------------------------------


def test_dashboard_requires_login(client):
    response = client.get("/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_dashboard_is_an_honest_empty_state_with_links(client):
    client.force_login(UserFactory(name="Ada Lovelace"))

    response = client.get("/")

    assert response.status_code == 200
    assert "Welcome, Ada" in response.text
    assert 'href="/assets/"' in response.text and 'href="/portfolios/"' in response.text
    assert "Start with a portfolio" in response.text


def test_admin_link_only_for_staff(client):
    client.force_login(UserFactory(role=Role.INVESTOR))
    investor_page = client.get("/").text
    client.force_login(UserFactory(role=Role.ANALYST))
    analyst_page = client.get("/").text

    assert 'href="/admin/"' not in investor_page
    assert 'href="/admin/"' in analyst_page


def test_expired_session_on_htmx_request_answers_a_client_redirect(client):
    response = client.get("/accounts/profile/", **HTMX)

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=/accounts/profile/"


def test_expired_session_without_htmx_redirects(client):
    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert "HX-Redirect" not in response


# --- Profile -----------------------------------------------------------------------------------------


def test_profile_page_shows_the_users_details(client):
    client.force_login(UserFactory(email="ada@example.com", name="Ada", role=Role.ANALYST))

    response = client.get("/accounts/profile/")

    assert response.status_code == 200
    assert 'value="ada@example.com"' in response.text and "Analyst" in response.text


def test_profile_edit_saves_and_redirects(client):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)

    response = client.post("/accounts/profile/", {"name": "Ada King", "email": "ada.king@example.com"})

    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    user.refresh_from_db()
    assert (user.name, user.email) == ("Ada King", "ada.king@example.com")
    assert "Your profile is saved." in client.get("/accounts/profile/").text


def test_profile_edit_by_htmx_answers_the_form_partial_with_the_message_out_of_band(client):
    client.force_login(UserFactory(email="ada@example.com"))

    response = client.post("/accounts/profile/", {"name": "Ada King", "email": "ada@example.com"}, **HTMX)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form class="form" id="profile-form"')
    assert '<div id="messages" class="messages" role="status" aria-live="polite" hx-swap-oob="true">' in response.text
    assert "Your profile is saved." in response.text
    assert "<html" not in response.text and "site-header" not in response.text
    assert "HX-Request" in response["Vary"]


def test_profile_edit_by_htmx_with_errors_answers_422_with_the_partial(client):
    UserFactory(email="taken@example.com")
    user = UserFactory(email="ada@example.com")
    client.force_login(user)

    response = client.post("/accounts/profile/", {"name": "x", "email": "taken@example.com"}, **HTMX)

    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form class="form" id="profile-form"')
    assert "already exists" in response.text
    user.refresh_from_db()
    assert user.email == "ada@example.com"


def test_second_user_sees_and_edits_only_their_own_profile(client):
    first = UserFactory(email="first@example.com", name="First")
    second = UserFactory(email="second@example.com", name="Second")
    client.force_login(second)

    page = client.get("/accounts/profile/").text
    client.post("/accounts/profile/", {"name": "Changed", "email": "second@example.com", "id": str(first.pk)})

    assert "first@example.com" not in page and 'value="second@example.com"' in page
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.name == "First" and second.name == "Changed"


def test_second_user_cannot_take_the_first_users_email(client):
    UserFactory(email="first@example.com")
    second = UserFactory(email="second@example.com")
    client.force_login(second)

    response = client.post("/accounts/profile/", {"name": "", "email": "FIRST@example.com"})

    assert response.status_code == 422
    second.refresh_from_db()
    assert second.email == "second@example.com"


# --- Password change and reset ---------------------------------------------------------------------


def test_password_change_keeps_the_session_and_sets_the_password(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/accounts/password/", {"old_password": DEFAULT_PASSWORD, "new_password1": STRONG, "new_password2": STRONG}
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert client.get("/accounts/profile/").status_code == 200  # still logged in


def test_password_change_ends_other_sessions(client):
    user = UserFactory()
    other = Client()
    other.force_login(user)
    client.force_login(user)

    client.post(
        "/accounts/password/", {"old_password": DEFAULT_PASSWORD, "new_password1": STRONG, "new_password2": STRONG}
    )

    assert other.get("/accounts/profile/").status_code == 302


def test_password_change_with_wrong_current_password_answers_422(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/accounts/password/", {"old_password": "not-it", "new_password1": STRONG, "new_password2": STRONG}, **HTMX
    )

    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form class="form" id="password-form"')
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_reset_by_email_flow(client):
    user = UserFactory(email="ada@example.com")

    response = client.post("/accounts/password/reset/", {"email": "ADA@example.com"})

    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "Reset your QuantumVest password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.text
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": STRONG, "new_password2": STRONG})

    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/complete/"
    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert "This link no longer works" in client.get(link, follow=True).text


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


# --- Error pages and CSP -----------------------------------------------------------------------------


def test_404_page_is_the_product_page_without_details(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.text and "site-header" in response.text
    assert "Traceback" not in response.text and "URLconf" not in response.text


def test_403_page_renders_for_a_forbidden_admin_page(client):
    client.force_login(UserFactory(role=Role.ANALYST))

    response = client.get("/admin/accounts/user/")

    assert response.status_code == 403
    assert "Access denied" in response.text and "Traceback" not in response.text


def _boom(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [path("boom/", _boom)]


def test_500_page_renders_without_context_or_stack_trace(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internal detail" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/register/", "/", "/accounts/profile/"])
def test_pages_answer_with_a_csp_that_forbids_inline_scripts(client, url):
    if url in ("/", "/accounts/profile/"):
        client.force_login(UserFactory())

    response = client.get(url)

    assert response.status_code == 200
    script_src = next(d for d in response["Content-Security-Policy"].split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert scripts and all(f'nonce="{nonce}"' in tag and "src=" in tag for tag in scripts)
    assert " hx-on" not in response.text and "onclick=" not in response.text


def test_htmx_config_disables_eval(client):
    response = client.get("/accounts/login/")

    assert '"allowEval":false' in response.text
    assert 'src="/static/vendor/htmx-2.0.11.min.js"' in response.text
