"""factory_boy factories shared by the whole suite."""

from datetime import date, time, timedelta
from decimal import Decimal

import factory

from accounts.models import User
from tracker.models import (
    EntryKind,
    Food,
    IntakeEntry,
    MagnesiumForm,
    Medicine,
    RoutineDose,
    SupplementKind,
    SupplementProduct,
    SymptomEntry,
)


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


class MagnesiumFormFactory(factory.django.DjangoModelFactory):
    """A test compound; the real 26 are loaded by the data migration."""

    class Meta:
        model = MagnesiumForm
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Test magnesium compound {n}")
    short_name = "test"
    formula = "MgX"
    molar_mass_g_per_mol = Decimal("172.40")
    elemental_fraction = Decimal("0.1410")
    source = "test data"


class FoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Food

    name = factory.Sequence(lambda n: f"Test food {n}")
    category = Food.Category.NUTS_SEEDS
    mg_per_100g = Decimal("270")
    serving_desc = "1 oz"
    serving_grams = Decimal("28.35")
    source = "test data"


class SupplementProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplementProduct

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Magnesium product {n}")
    form = factory.SubFactory(MagnesiumFormFactory)
    kind = SupplementProduct._meta.get_field("kind").default

    class Params:
        # ``elemental_mg="200"``: a label that prints "Magnesium 200 mg" per serving.
        elemental_mg = None

    label_basis = factory.LazyAttribute(
        lambda p: (
            SupplementProduct.LabelBasis.COMPOUND
            if p.elemental_mg is None
            else SupplementProduct.LabelBasis.ELEMENTAL
        )
    )
    amount_per_serving_mg = factory.LazyAttribute(
        lambda p: Decimal("1000") if p.elemental_mg is None else Decimal(p.elemental_mg)
    )
    serving_unit = SupplementProduct.ServingUnit.CAPSULE
    elemental_mg_per_serving = factory.LazyAttribute(
        lambda p: (
            p.amount_per_serving_mg * p.form.elemental_fraction
            if p.label_basis == SupplementProduct.LabelBasis.COMPOUND
            else p.amount_per_serving_mg
        )
    )


class SupplementEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeEntry

    owner = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(date.today)
    product = factory.SubFactory(SupplementProductFactory, owner=factory.SelfAttribute("..owner"))
    kind = factory.LazyAttribute(lambda e: e.product.kind)
    servings = Decimal("1")
    dose_quantity = factory.SelfAttribute("servings")
    dose_unit = "serving"
    elemental_mg = factory.LazyAttribute(lambda e: e.product.elemental_mg_per_serving * e.servings)


class FoodEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeEntry

    owner = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(date.today)
    kind = EntryKind.FOOD
    food = factory.SubFactory(FoodFactory)
    grams = Decimal("28.35")
    elemental_mg = factory.LazyAttribute(lambda e: e.grams * e.food.mg_per_100g / 100)


class SymptomEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SymptomEntry

    owner = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(date.today)
    symptom = SymptomEntry.Symptom.CRAMPS
    severity = 2


class RoutineDoseFactory(factory.django.DjangoModelFactory):
    """A planned dose: one capsule at 21:30 every day, from a week ago."""

    class Meta:
        model = RoutineDose

    owner = factory.SubFactory(UserFactory)
    product = factory.SubFactory(SupplementProductFactory, owner=factory.SelfAttribute("..owner"))
    quantity = Decimal("1")
    unit = "capsule"
    time = time(21, 30)
    weekdays = "0123456"
    start_date = factory.LazyFunction(lambda: date.today() - timedelta(days=7))


class MedicineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Medicine

    owner = factory.SubFactory(UserFactory)
    group = "oral bisphosphonates"
    name = "alendronate"
    time = time(7, 0)


def objects_of(owner) -> dict:
    """One object of each kind a route's id can name (tests/routes.py), all ``owner``'s."""
    product = SupplementProductFactory(owner=owner)
    return {
        "product": product,
        "entry": SupplementEntryFactory(owner=owner, product=product),
        "symptom": SymptomEntryFactory(owner=owner),
        "own_food": FoodFactory(owner=owner),
        "dose": RoutineDoseFactory(owner=owner, product=product),
        "medicine": MedicineFactory(owner=owner),
    }


def supplement_entry(owner, day, mg, *, kind=SupplementKind.SUPPLEMENT, **fields) -> IntakeEntry:
    """One serving of a new product of ``mg`` elemental magnesium per serving, on ``day``."""
    product = SupplementProductFactory(owner=owner, kind=kind, elemental_mg=mg)
    return SupplementEntryFactory(owner=owner, product=product, day=day, **fields)


def food_entry(owner, day, mg, food=None) -> IntakeEntry:
    """100 g of ``food`` (by default a new food of ``mg`` per 100 g) on ``day``."""
    food = food or FoodFactory(mg_per_100g=Decimal(mg))
    return FoodEntryFactory(owner=owner, day=day, food=food, grams=Decimal(100))


def bulk_supplement_entries(owner, days, mg, product=None, **fields) -> None:
    """A serving of ``mg`` elemental magnesium on each of ``days`` (a day may repeat), written
    in one INSERT; the product is a new one unless ``product`` is given."""
    product = product or SupplementProductFactory(owner=owner)
    IntakeEntry.objects.bulk_create(
        IntakeEntry(
            owner=owner,
            day=day,
            kind=product.kind,
            product=product,
            servings=Decimal(1),
            elemental_mg=Decimal(mg),
            **fields,
        )
        for day in days
    )


def own_records(owner, days=None) -> None:
    """A person's own product and own food, an entry of each on every one of ``days`` (today
    if none), and a symptom today."""
    product = SupplementProductFactory(owner=owner)
    own_food = FoodFactory(owner=owner)
    for day in days or [date.today()]:
        SupplementEntryFactory(owner=owner, product=product, day=day)
        FoodEntryFactory(owner=owner, food=own_food, day=day)
    SymptomEntryFactory(owner=owner)
