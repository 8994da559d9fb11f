"""Accounts pages. Invalid forms answer 422 (see the htmx config in templates/base.html); htmx
requests get the form's partial, other requests the full page or a redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts import forms, services
from apps.accounts.selectors import role_of
from quantumvest.errors import DomainError

INVALID = 422
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _add_domain_errors(form, error: DomainError) -> None:
    if not error.fields:
        form.add_error(None, error.detail)
    for field, errors in error.fields.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


class InvalidFormStatus:
    """Django's class-based auth views, answering an invalid form with 422 like our own views."""

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=INVALID)


class LoginView(InvalidFormStatus, auth_views.LoginView):
    form_class = forms.LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class _LogoutView(auth_views.LogoutView):
    """POST only (Django 5; GET answers 405); the login page it leads to says that it worked."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # After logout: the message rides in the (new, anonymous) message storage to the login page.
        messages.success(request, "You are logged out. Log in again to see your portfolios.")
        return response


logout = _LogoutView.as_view()


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = forms.RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.register_user(email=data["email"], name=data["name"], password=data["password1"])
        except DomainError as error:
            _add_domain_errors(form, error)
        else:
            login(request, user, backend=SESSION_BACKEND)
            messages.success(request, "Welcome to QuantumVest. Your account is ready.")
            return redirect("dashboard")
    status = INVALID if request.method == "POST" else 200
    return render(request, "accounts/register.html", {"form": form}, status=status)


@require_POST
def register_validate(request: HttpRequest) -> HttpResponse:
    """Inline check of one registration field (``_field``) as the user leaves it: 200 with that
    field's errors, if any. Other fields' errors stay hidden until they are filled in."""
    form = forms.RegisterForm(request.POST)
    name = request.POST.get("_field", "")
    if name not in form.fields:
        raise Http404("No such field.")
    form.is_valid()
    return render(request, "components/_field_errors.html", {"field": form[name]})


@login_required
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = forms.ProfileForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_profile(user=user, name=form.cleaned_data["name"], email=form.cleaned_data["email"])
            except DomainError as error:
                _add_domain_errors(form, error)
            else:
                messages.success(request, "Your profile is saved.")
                if not request.htmx:
                    return redirect("accounts:profile")
                form = forms.ProfileForm(user=user)
        if form.errors:
            user.refresh_from_db(fields=["name", "email"])
            status = INVALID
    template = "accounts/profile.html#profile-form" if request.htmx else "accounts/profile.html"
    context = {"form": form, "role": role_of(user)}
    return render(request, template, context, status=status)


@login_required
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordChangeForm(request.user, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user = services.change_password(user=request.user, new_password=form.cleaned_data["new_password1"])
            update_session_auth_hash(request, user)  # this session stays logged in; others end
            messages.success(request, "Your password is changed. Other sessions and API tokens no longer work.")
            if not request.htmx:
                return redirect("accounts:profile")
            form = forms.PasswordChangeForm(request.user)
        else:
            status = INVALID
    template = "accounts/password_change.html#password-form" if request.htmx else "accounts/password_change.html"
    return render(request, template, {"form": form}, status=status)


class PasswordResetView(InvalidFormStatus, auth_views.PasswordResetView):
    form_class = forms.PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(InvalidFormStatus, auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
