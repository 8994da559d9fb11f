"""Give an account a role: ``manage.py set_role EMAIL investor|analyst|admin``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.accounts import services
from apps.accounts.models import Role, User
from quantumvest.errors import DomainError


class Command(BaseCommand):
    help = "Make ROLE the only role of the account with EMAIL (analysts and admins may use the admin site)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args, email: str, role: str, **options):
        try:
            user = User.objects.get_by_natural_key(email)
        except User.DoesNotExist as exc:
            raise CommandError(f"No account with e-mail {email!r}.") from exc
        try:
            services.assign_role(user=user, role=role)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(self.style.SUCCESS(f"{user.email} is now {role}."))
