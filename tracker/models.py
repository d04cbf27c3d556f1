from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from tracker import limits
from tracker.model_fields import owner_field


class MagnesiumForm(models.Model):
    """A magnesium compound with its elemental fraction (tracker/data/forms.csv)."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(
        max_length=60, blank=True, help_text="Short label for lists, e.g. 'glycinate'."
    )
    formula = models.CharField(max_length=60, blank=True)
    molar_mass_g_per_mol = models.DecimalField(max_digits=8, decimal_places=2)
    mg_atoms_per_formula = models.PositiveSmallIntegerField(default=1)
    elemental_fraction = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
    )
    commonly_quoted_percent = models.CharField(max_length=200, blank=True)
    absorption_note = models.TextField(blank=True)
    source = models.TextField()
    # Columns of the seed articles' forms table (glycinate, citrate, malate, chloride, oxide)
    # and what the nerve-health article says of threonate; empty for the other compounds.
    absorption_and_use = models.TextField(blank=True)
    common_uses = models.TextField(blank=True)
    potential_considerations = models.TextField(blank=True)
    additional_information = models.TextField(blank=True)
    seed_source = models.CharField(max_length=200, blank=True)
    display_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def elemental_percent(self) -> Decimal:
        # Half up, as labels print it: threonate's 8.25 % reads 8.3 %, not 8.2 %.
        return (self.elemental_fraction * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Food(models.Model):
    """A food with its magnesium content. No owner: reference data (tracker/data/foods.csv)."""

    class Category(models.TextChoices):
        # The categories of tracker/data/foods.csv.
        NUTS_SEEDS = "nuts_seeds", "Nuts and seeds"
        GRAINS = "grains", "Grains and cereals"
        VEGETABLES = "vegetables", "Vegetables"
        LEGUMES = "legumes", "Legumes"
        FRUITS = "fruits", "Fruits"
        FISH_MEAT = "fish_meat", "Fish and meat"
        DAIRY = "dairy", "Dairy"
        DRINKS = "drinks", "Drinks"
        CHOCOLATE = "chocolate", "Chocolate"
        OTHER = "other", "Other"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_foods",
        help_text="Empty for reference foods; set for a person's private food.",
    )
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    mg_per_100g = models.DecimalField(
        "magnesium per 100 g (mg)",
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(limits.MAX_MG_PER_100G)],
    )
    serving_desc = models.CharField("serving", max_length=100, default="100 g")
    serving_grams = models.DecimalField(
        "grams per serving",
        max_digits=7,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(limits.MAX_GRAMS)],
    )
    source = models.TextField(blank=True)
    confidence = models.CharField(max_length=10, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(owner__isnull=True), name="unique_reference_food"
            ),
            models.UniqueConstraint(fields=["owner", "name"], name="unique_own_food_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def mg_per_serving(self) -> Decimal:
        return self.mg_per_100g * self.serving_grams / 100  # exact; pages round it once


class SupplementKind(models.TextChoices):
    SUPPLEMENT = "supplement", "Supplement"
    MEDICATION = "medication", "Medication (antacid, laxative)"


class SupplementProduct(models.Model):
    """A person's own product, recorded as its Supplement Facts panel is printed.

    "Serving size 2 tablets - Magnesium (as magnesium glycinate) 200 mg" is a serving of
    2 tablets holding 200 mg, elemental. "Magnesium glycinate 1000 mg" per capsule is a
    compound weight, converted with the form's elemental fraction. A blend names several forms;
    its elemental figure is what counts.
    """

    class LabelBasis(models.TextChoices):
        ELEMENTAL = "elemental", "Elemental magnesium (label says 'Magnesium ... mg')"
        COMPOUND = "compound", "Compound weight (label gives the weight of the salt)"

    class ServingUnit(models.TextChoices):
        CAPSULE = "capsule", "capsule"
        TABLET = "tablet", "tablet"
        SOFTGEL = "softgel", "softgel"
        GUMMY = "gummy", "gummy"
        CHEWABLE = "chewable", "chewable tablet"
        SCOOP = "scoop", "scoop"
        PACKET = "packet", "packet"
        TSP = "tsp", "tsp (teaspoon)"
        TBSP = "tbsp", "tbsp (tablespoon)"
        G = "g", "g"
        ML = "ml", "mL"
        DROP = "drop", "drop"

    class EquivalentUnit(models.TextChoices):
        G = "g", "g"
        ML = "ml", "mL"

    # No index of its own: the (owner, is_archived) index below starts with it.
    owner = owner_field("products", indexed=False)
    name = models.CharField(max_length=120)
    brand = models.CharField(max_length=120, blank=True)
    form = models.ForeignKey(
        MagnesiumForm,
        on_delete=models.PROTECT,
        related_name="products",
        help_text="The form named on the label (the first one for a blend).",
    )
    other_forms = models.ManyToManyField(
        MagnesiumForm,
        blank=True,
        related_name="blended_in",
        help_text="For a blend ('as magnesium glycinate, citrate and malate'): the other forms.",
    )
    kind = models.CharField(
        max_length=10, choices=SupplementKind.choices, default=SupplementKind.SUPPLEMENT
    )
    serving_quantity = models.DecimalField(
        "serving size",
        max_digits=7,
        decimal_places=3,
        default=Decimal("1"),
        validators=[
            MinValueValidator(Decimal("0.001")),
            MaxValueValidator(limits.MAX_SERVING_QUANTITY),
        ],
    )
    serving_unit = models.CharField(
        max_length=10, choices=ServingUnit.choices, default=ServingUnit.CAPSULE
    )
    equivalent_quantity = models.DecimalField(
        "the serving weighs or measures",
        max_digits=7,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("0.001")),
            MaxValueValidator(limits.MAX_SERVING_QUANTITY),
        ],
    )
    equivalent_unit = models.CharField(max_length=2, choices=EquivalentUnit.choices, blank=True)
    label_basis = models.CharField("the label amount is", max_length=10, choices=LabelBasis.choices)
    amount_per_serving_mg = models.DecimalField(
        "magnesium per serving (mg)",
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(limits.MIN_LABEL_MG), MaxValueValidator(limits.MAX_LABEL_MG)],
    )
    elemental_mg_per_serving = models.DecimalField(
        "elemental magnesium per serving (mg)", max_digits=16, decimal_places=6
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["is_archived", "name"]
        indexes = [models.Index(fields=["owner", "is_archived"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(equivalent_quantity__isnull=True, equivalent_unit="")
                    | Q(equivalent_quantity__isnull=False, equivalent_unit__in=["g", "ml"])
                ),
                name="product_equivalent_complete",
            ),
        ]

    def __str__(self) -> str:
        return product_title(self.name, self.brand)

    @property
    def serving_words(self) -> str:
        """The serving as printed: "2 tablets", "2 tsp (4 g)", "15 mL"."""
        return serving_words(
            self.serving_quantity, self.serving_unit, self.equivalent_quantity, self.equivalent_unit
        )


def product_title(name: str, brand: str) -> str:
    """How a product is named everywhere: "Glycinate (Brand)", or its name alone."""
    return f"{name} ({brand})" if brand else name


def unit_words(quantity: Decimal, unit: str) -> str:
    """ "1 tablet", "2 tablets", "1.5 tsp", "15 mL", "1 serving", "0.5 servings"."""
    number = f"{quantity.normalize():f}" if quantity is not None else ""
    if unit in ("g", "tsp", "tbsp"):
        return f"{number} {unit}"
    if unit == "ml":
        return f"{number} mL"
    word = {"chewable": "chewable tablet", "gummy": "gummy"}.get(unit, unit)
    if quantity != 1:
        word = "gummies" if word == "gummy" else word + "s"
    return f"{number} {word}"


def serving_words(
    quantity: Decimal, unit: str, equivalent: Decimal | None = None, equivalent_unit: str = ""
) -> str:
    words = unit_words(quantity, unit)
    if equivalent and equivalent_unit:
        words += f" ({unit_words(equivalent, equivalent_unit)})"
    return words


class EntryKind(models.TextChoices):
    SUPPLEMENT = "supplement", "Supplement"
    MEDICATION = "medication", "Medication"
    FOOD = "food", "Food"


SUPPLEMENTAL_KINDS = (EntryKind.SUPPLEMENT, EntryKind.MEDICATION)


class IntakeEntry(models.Model):
    """One thing taken on a local day. ``elemental_mg`` is computed on the server.

    ``kind`` is copied from the product (or "food") so that a day's supplemental and food
    totals are one aggregate over this table, without joins.
    """

    # No index of its own: entry_owner_day (owner, day) starts with it.
    owner = owner_field("entries", indexed=False)
    day = models.DateField(help_text="The person's local calendar day.")
    time = models.TimeField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    product = models.ForeignKey(
        SupplementProduct, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    food = models.ForeignKey(
        Food, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    # A supplement's dose as entered ("2" "tablet", "4" "g", "1" "serving") and the label
    # figures it was computed from, so that editing the product never rewrites it silently.
    dose_quantity = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    dose_unit = models.CharField(max_length=10, blank=True)
    label = models.JSONField(default=dict, blank=True)
    # Servings: of the food, or the supplement's dose in servings (exact, or to 10 places
    # when a serving does not divide evenly: 1 tablet of 3).
    servings = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    grams = models.DecimalField(max_digits=12, decimal_places=5, null=True, blank=True)
    elemental_mg = models.DecimalField(
        max_digits=20,
        decimal_places=10,
        help_text="Exact, or to 10 places when the arithmetic does not end (see tracker.intake).",
    )
    note = models.CharField(max_length=limits.NOTE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "time", "id"]
        indexes = [models.Index(fields=["owner", "day"], name="entry_owner_day")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="food", food__isnull=False, product__isnull=True)
                    | (
                        Q(kind__in=["supplement", "medication"])
                        & Q(product__isnull=False, food__isnull=True)
                    )
                ),
                name="entry_is_food_or_product",
            ),
            models.CheckConstraint(condition=Q(elemental_mg__gte=0), name="entry_mg_non_negative"),
        ]
        verbose_name_plural = "intake entries"

    def __str__(self) -> str:
        return f"{self.day} {self.item_name} {self.elemental_mg} mg"

    @property
    def item_name(self) -> str:
        if self.product_id:
            return str(self.product)
        return str(self.food)

    @property
    def dose_words(self) -> str:
        """The dose as entered: "2 tablets", "4 g", "1 serving"."""
        if self.dose_quantity is None:
            return ""
        return unit_words(self.dose_quantity, self.dose_unit)


class SymptomEntry(models.Model):
    class Symptom(models.TextChoices):
        MUSCLE_TWITCHING = "muscle_twitching", "Muscle twitching"
        CRAMPS = "cramps", "Cramps"
        ANXIETY = "anxiety", "Anxiety"
        POOR_SLEEP = "poor_sleep", "Poor sleep"
        HEADACHE = "headache", "Headache or migraine"
        DIARRHEA = "diarrhea", "Diarrhea"
        FATIGUE = "fatigue", "Fatigue"
        LOW_BLOOD_PRESSURE = "low_blood_pressure", "Low blood pressure or dizziness"
        PALPITATIONS = "palpitations", "Palpitations"
        OTHER = "other", "Other"

    # No index of its own: symptom_owner_day (owner, day) starts with it.
    owner = owner_field("symptoms", indexed=False)
    day = models.DateField()
    symptom = models.CharField(max_length=20, choices=Symptom.choices)
    severity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 = barely noticeable, 5 = severe.",
    )
    note = models.CharField(max_length=limits.NOTE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["owner", "day"], name="symptom_owner_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=5), name="symptom_severity_1_5"
            )
        ]
        verbose_name_plural = "symptom entries"

    def __str__(self) -> str:
        return f"{self.day} {self.get_symptom_display()} ({self.severity}/5)"


class CheckInSymptom(models.TextChoices):
    """What a daily check-in can rate: the symptom list (less "other") and sleep.

    Every score reads the same way, 0 = none (or slept well) to 4 = severe, so that "lower" is
    "better" for each of them on the insight page.
    """

    MUSCLE_TWITCHING = "muscle_twitching", "Muscle twitching"
    CRAMPS = "cramps", "Cramps"
    ANXIETY = "anxiety", "Anxiety"
    SLEEP = "sleep", "Poor sleep (last night)"
    HEADACHE = "headache", "Headache or migraine"
    DIARRHEA = "diarrhea", "Diarrhea"
    FATIGUE = "fatigue", "Fatigue"
    LOW_BLOOD_PRESSURE = "low_blood_pressure", "Low blood pressure or dizziness"
    PALPITATIONS = "palpitations", "Palpitations"


class FollowedSymptom(models.Model):
    """A symptom the person rates in their daily check-in."""

    # No index of its own: the unique (owner, symptom) constraint's index starts with it.
    owner = owner_field("followed", indexed=False)
    symptom = models.CharField(max_length=20, choices=CheckInSymptom.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "symptom"], name="follow_symptom_once")
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} follows {self.symptom}"


class CheckIn(models.Model):
    """One day's score for one followed symptom. A 0 is a real "none today"; a day without a
    row is a day without a check-in (unknown), and the insight page leaves it out."""

    SCORE_MAX = 4

    # No index of its own: the unique (owner, day, symptom) constraint's index starts with it.
    owner = owner_field("checkins", indexed=False)
    day = models.DateField(help_text="The person's local calendar day.")
    symptom = models.CharField(max_length=20, choices=CheckInSymptom.choices)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(SCORE_MAX)],
        help_text="0 = none today (or slept well), 4 = severe.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "symptom"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "day", "symptom"], name="one_checkin_per_day_symptom"
            ),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=4), name="checkin_0_4"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_symptom_display()} {self.score}/4"


class WarningSent(models.Model):
    """A warning e-mail already sent: at most one per person, day and flag.

    The unique constraint, not a read-then-write, is what stops two simultaneous requests
    from both sending it.
    """

    # No index of its own: the unique (owner, day, flag) constraint's index starts with it.
    owner = owner_field("warnings_sent", indexed=False)
    day = models.DateField()
    flag = models.CharField(max_length=40)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "day", "flag"], name="one_warning_per_day_flag"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.day} {self.flag}"


from tracker.imported_rows import ImportedRow  # noqa: E402, F401  (its own module)
from tracker.pending_imports import PendingImport  # noqa: E402, F401  (its own module)
from tracker.routine_models import (  # noqa: E402, F401  (the routine's own module)
    DoseRecord,
    Medicine,
    Notice,
    NotificationSettings,
    PushSubscription,
    RoutineDose,
    Stock,
)
