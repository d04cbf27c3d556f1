"""Admin for the reference tables (forms, foods) and, read-mostly, the people's records."""

from django.contrib import admin

from tracker import page_cache, services
from tracker.models import (
    Food,
    IntakeEntry,
    MagnesiumForm,
    SupplementProduct,
    SymptomEntry,
    WarningSent,
)


class MarksOwnerChanged:
    """An admin edit of a person's records makes their cached pages stale, as the app's own
    writes do (tracker/page_cache.py). Reference rows have no owner: their edits show once
    PAGE_CACHE_SECONDS have passed."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.owner_id:
            page_cache.mark_changed(obj.owner_id)

    def delete_model(self, request, obj):
        owner_id = obj.owner_id
        super().delete_model(request, obj)
        if owner_id:
            page_cache.mark_changed(owner_id)

    def delete_queryset(self, request, queryset):
        owners = set(queryset.values_list("owner_id", flat=True)) - {None}
        super().delete_queryset(request, queryset)
        for owner_id in owners:
            page_cache.mark_changed(owner_id)


@admin.register(MagnesiumForm)
class MagnesiumFormAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "short_name",
        "formula",
        "elemental_fraction",
        "molar_mass_g_per_mol",
        "display_order",
    )
    list_editable = ("display_order",)
    search_fields = ("name", "short_name", "formula")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "short_name",
                    "formula",
                    "molar_mass_g_per_mol",
                    "mg_atoms_per_formula",
                    "elemental_fraction",
                    "commonly_quoted_percent",
                    "absorption_note",
                    "source",
                    "display_order",
                )
            },
        ),
        (
            "From the seed articles",
            {
                "fields": (
                    "absorption_and_use",
                    "common_uses",
                    "potential_considerations",
                    "additional_information",
                    "seed_source",
                )
            },
        ),
    )


class ReferenceOrPrivateFilter(admin.SimpleListFilter):
    title = "kind of food"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("reference", "Reference foods"), ("private", "People's own foods")]

    def queryset(self, request, queryset):
        if self.value() == "reference":
            return queryset.filter(owner__isnull=True)
        if self.value() == "private":
            return queryset.filter(owner__isnull=False)
        return queryset


@admin.register(Food)
class FoodAdmin(MarksOwnerChanged, admin.ModelAdmin):
    list_display = (
        "name",
        "category",
        "mg_per_100g",
        "serving_desc",
        "serving_grams",
        "confidence",
        "owner",
    )
    list_filter = (ReferenceOrPrivateFilter, "category", "confidence")
    search_fields = ("name", "owner__username")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)


@admin.register(SupplementProduct)
class SupplementProductAdmin(MarksOwnerChanged, admin.ModelAdmin):
    list_display = (
        "name",
        "brand",
        "owner",
        "form",
        "kind",
        "serving_words",
        "label_basis",
        "amount_per_serving_mg",
        "elemental_mg_per_serving",
        "is_archived",
    )
    list_filter = ("kind", "label_basis", "is_archived", "form")
    search_fields = ("name", "brand", "owner__username")
    list_select_related = ("owner", "form")
    raw_id_fields = ("owner",)
    filter_horizontal = ("other_forms",)
    # Computed from the label, as tracker.services does; never typed. Entries keep their own
    # figures, so an edit here changes only what is logged from now on.
    readonly_fields = ("elemental_mg_per_serving",)

    def save_model(self, request, obj, form, change):
        label = services.product_label(obj, other_forms=())
        obj.elemental_mg_per_serving = label.elemental_per_serving
        super().save_model(request, obj, form, change)


@admin.register(IntakeEntry)
class IntakeEntryAdmin(MarksOwnerChanged, admin.ModelAdmin):
    list_display = ("day", "time", "owner", "kind", "product", "food", "elemental_mg")
    list_filter = ("kind", "day")
    # The figures an entry was computed from are its history: shown, not edited. Entries are
    # logged through the app, which computes them.
    readonly_fields = ("elemental_mg", "label", "dose_quantity", "dose_unit", "servings", "grams")

    def has_add_permission(self, request):
        return False

    search_fields = ("owner__username", "product__name", "food__name", "note")
    list_select_related = ("owner", "product", "food")
    raw_id_fields = ("owner", "product", "food")
    date_hierarchy = "day"


@admin.register(SymptomEntry)
class SymptomEntryAdmin(MarksOwnerChanged, admin.ModelAdmin):
    list_display = ("day", "owner", "symptom", "severity")
    list_filter = ("symptom", "severity", "day")
    search_fields = ("owner__username", "note")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    date_hierarchy = "day"


@admin.register(WarningSent)
class WarningSentAdmin(admin.ModelAdmin):
    list_display = ("day", "owner", "flag", "sent_at")
    list_filter = ("flag", "day")
    search_fields = ("owner__username",)
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    date_hierarchy = "day"


from tracker import routine_admin  # noqa: E402, F401  (the routine's own admin module)
