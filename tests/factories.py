"""factory_boy factories shared by the whole suite."""

from datetime import date
from decimal import Decimal

import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    sex = User.Sex.MALE
    date_of_birth = date(1990, 5, 17)
    timezone = "UTC"
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


__all__ = ["UserFactory", "Decimal"]
