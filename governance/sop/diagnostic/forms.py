"""The manual answer of a diagnostic check as a page submits it. It only shapes input: the
rules live in governance.sop.diagnostic.services."""

from django import forms

from governance.sop.forms import TEXT_LIMIT, ServiceErrorsMixin


class DiagnosticAnswerForm(ServiceErrorsMixin, forms.Form):
    """Yes or no, a note, the answer's version the page showed and where to go back to."""

    answer = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the answer rests on (a document, a meeting, a practice).",
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
