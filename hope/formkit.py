"""The bases every form in the app is built on.

Each rule here holds for every field of its kind, so no form can forget it: a date a
person types lies between 2000 and 2100 (beyond that, date arithmetic overflows and no
HOPE course has ever run), and the browser is told the same with min and max.
"""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from hope.params import FIRST_DAY, LAST_DAY

DATE_RANGE_MESSAGE = "Enter a date between 1 January 2000 and 31 December 2100."
# The browser's own date picker, with the ISO value it expects.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BoundedInputMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.validators += [
                    MinValueValidator(FIRST_DAY, message=DATE_RANGE_MESSAGE),
                    MaxValueValidator(LAST_DAY, message=DATE_RANGE_MESSAGE),
                ]
                field.widget.attrs.setdefault("min", FIRST_DAY.isoformat())
                field.widget.attrs.setdefault("max", LAST_DAY.isoformat())


class Form(BoundedInputMixin, forms.Form):
    pass


class ModelForm(BoundedInputMixin, forms.ModelForm):
    pass
