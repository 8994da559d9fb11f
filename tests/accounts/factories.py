"""Factories for accounts; other apps' tests use ``UserFactory`` too."""

from __future__ import annotations

import factory

from apps.accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    """An active user without a role (no groups) whose password is ``DEFAULT_PASSWORD``.

    ``UserFactory(password="...")`` sets another password; ``UserFactory(role="analyst")`` puts the
    user in a role through the real service.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if extracted and create:
            from apps.accounts.services import assign_role

            assign_role(user=obj, role=extracted)
