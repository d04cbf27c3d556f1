"""Forms of the import page: the upload, and the confirmation of a previewed upload."""

from django import forms

from tracker import transfer


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Export file",
        max_length=255,
        help_text=(
            "An entries CSV, a symptoms CSV or an account JSON file as the export page writes "
            f"them, UTF-8, up to {transfer.MAX_IMPORT_BYTES // (1024 * 1024)} MB."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > transfer.MAX_IMPORT_BYTES:
            # Refused before reading a byte of it into memory.
            raise forms.ValidationError(transfer.size_message(upload.size))
        raw = upload.read(transfer.MAX_IMPORT_BYTES + 1)
        try:
            self.cleaned_data["text"] = transfer.decode_upload(raw)
        except transfer.UploadRejected as error:
            raise forms.ValidationError(str(error))
        return upload


class ImportConfirmForm(forms.Form):
    """The preview's "Import" button. ``digest`` ties the click to the file that was
    previewed, so an upload made meanwhile in another tab cannot be imported unseen."""

    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    use_profile = forms.BooleanField(
        label="Also replace my profile settings (sex, date of birth, conditions, time zone, "
        "target) with the ones in the file",
        required=False,
    )

    def __init__(self, *args, offer_profile: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not offer_profile:
            del self.fields["use_profile"]
