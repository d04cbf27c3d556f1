"""The routine's tables in the admin: read to help a person, not to make their choices."""

from django.contrib import admin

from tracker.models import DoseRecord, Medicine, Notice, NotificationSettings, RoutineDose, Stock


@admin.register(RoutineDose)
class RoutineDoseAdmin(admin.ModelAdmin):
    list_display = ["owner", "product", "quantity", "unit", "time", "weekdays", "start_date"]
    raw_id_fields = ["owner", "product"]


@admin.register(DoseRecord)
class DoseRecordAdmin(admin.ModelAdmin):
    list_display = ["owner", "day", "dose", "status"]
    raw_id_fields = ["owner", "dose", "entry"]


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = ["owner", "product", "units_on_hand", "refill_days", "bottle"]
    raw_id_fields = ["owner", "product"]


@admin.register(Medicine)
class MedicineAdmin(admin.ModelAdmin):
    list_display = ["owner", "group", "name", "time"]
    raw_id_fields = ["owner"]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["owner", "email_reminders", "push_reminders", "refill_notices"]
    raw_id_fields = ["owner"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["owner", "kind", "channel", "key", "status", "due_at", "attempts"]
    list_filter = ["status", "kind", "channel"]
    raw_id_fields = ["owner", "dose", "product"]
