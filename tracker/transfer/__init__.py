"""Export and import of a person's data.

Three formats, all UTF-8 (``formats``):

* entries CSV: ``date,time,kind,item,form,quantity,unit,elemental_mg,note``
* symptoms CSV: ``date,symptom,severity,note``
* account JSON: profile, products, own foods, entries, symptoms, followed symptoms and daily
  check-ins, one record per line.

``export`` writes them as generators over ``queryset.iterator()``, so a long history streams
instead of being built in memory. ``reading.parse_upload`` turns an upload into an
``ImportPlan`` without writing anything: every value is checked (``values``), products and
foods are matched by name or created (``importer``), the elemental mg is recomputed on the
server and must agree with the file, and every problem is named by its line.
``plan.apply_plan`` then writes the plan, all or nothing, in one transaction.
"""

from tracker.transfer.export import account_json, entries_csv, export_filename, symptoms_csv
from tracker.transfer.formats import (
    ACCOUNT_FORMAT,
    ENTRY_COLUMNS,
    FORMULA_TRIGGERS,
    MAX_IMPORT_BYTES,
    PROFILE_FIELDS,
    SYMPTOM_COLUMNS,
    UploadRejected,
    decode_upload,
    detect_kind,
    neutralise,
    restore,
    size_message,
)
from tracker.transfer.plan import ImportPlan, apply_plan
from tracker.transfer.reading import parse_upload

__all__ = [
    "ACCOUNT_FORMAT",
    "ENTRY_COLUMNS",
    "FORMULA_TRIGGERS",
    "MAX_IMPORT_BYTES",
    "PROFILE_FIELDS",
    "SYMPTOM_COLUMNS",
    "ImportPlan",
    "UploadRejected",
    "account_json",
    "apply_plan",
    "decode_upload",
    "detect_kind",
    "entries_csv",
    "export_filename",
    "neutralise",
    "parse_upload",
    "restore",
    "size_message",
    "symptoms_csv",
]
