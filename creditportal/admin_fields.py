"""Admin form fields that turn any malformed value into a form error, never a server error (issue 24).

Django's admin fields trust that a posted value fits the column it is compared with or stored in. Three
gaps answer a 500 instead of the form with its errors:

- a related-object choice posted as ``abc`` or as ``99999999999999999999``: the autocomplete widget
  looks the value up while re-rendering the form's errors (``ValueError``), and a many-to-many field
  looks up an integer beyond the column's range (``OverflowError`` on SQLite, a data error on
  PostgreSQL);
- an integer within Python's range but beyond the column's: SQLite stores up to 64 bits whatever the
  column type, PostgreSQL refuses beyond the type's range;
- a ``JSONField`` that may be left blank but not null: the form field answers ``None`` for blank.

:class:`KeyCheckedFieldsMixin` closes all three for every admin form and inline built on the admin base
(``creditportal.admin_base``): related keys are checked against their column before any query, integer
fields get the column's range as PostgreSQL enforces it (so SQLite and PostgreSQL refuse the same
values, with the same message), and a blank JSON value becomes the field's default.
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

# The ranges PostgreSQL (and every backend but SQLite) enforces per integer column type.
COLUMN_RANGES = BaseDatabaseOperations.integer_field_ranges


def column_range(field: models.Field) -> tuple[int | None, int | None]:
    """The values an integer column holds on PostgreSQL, whichever database runs now."""
    return COLUMN_RANGES.get(field.get_internal_type(), (None, None))


def is_storable_key(model, to_field_name: str | None, value) -> bool:
    """Whether ``value`` can be compared with ``model``'s key column without a database error, on any database."""
    if isinstance(value, models.Model):
        return True
    field = model._meta.get_field(to_field_name) if to_field_name else model._meta.pk
    try:
        python_value = field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return False
    if python_value is None or not isinstance(field, models.IntegerField):
        return True
    low, high = column_range(field)
    return (low is None or python_value >= low) and (high is None or python_value <= high)


class KeyCheckedModelChoiceField(forms.ModelChoiceField):
    """A related-object choice whose value is checked against the key column before it is looked up."""

    def to_python(self, value):
        if value not in self.empty_values and not is_storable_key(self.queryset.model, self.to_field_name, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class KeyCheckedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several related objects; each value is checked against the key column before any is looked up."""

    def _check_values(self, value):
        try:
            values = frozenset(value)
        except TypeError:
            return super()._check_values(value)
        for pk in values:
            if not is_storable_key(self.queryset.model, self.to_field_name, pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class _KeyCheckedAutocomplete:
    """Re-rendering a form with errors shows only the posted values that can be keys of the related model."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        to_field_name = getattr(remote, "field_name", None)
        value = [item for item in value if is_storable_key(remote.model, to_field_name, item)]
        return super().optgroups(name, value, attr)


class KeyCheckedAutocompleteSelect(_KeyCheckedAutocomplete, AutocompleteSelect):
    pass


class KeyCheckedAutocompleteSelectMultiple(_KeyCheckedAutocomplete, AutocompleteSelectMultiple):
    pass


class BlankIsDefaultJSONField(forms.JSONField):
    """A JSON value that may be left blank: blank means the model field's default (``[]``), not ``None``."""

    def __init__(self, *, blank_value, **kwargs):
        self.blank_value = blank_value
        super().__init__(**kwargs)

    def to_python(self, value):
        if not self.disabled and value in self.empty_values:
            return self.blank_value()
        return super().to_python(value)


class KeyCheckedFieldsMixin:
    """For ``ModelAdmin`` and inline classes: the form fields above, for every field of every form."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", KeyCheckedModelChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeyCheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", KeyCheckedModelMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeyCheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.JSONField) and db_field.blank and not db_field.null:
            kwargs.setdefault("form_class", BlankIsDefaultJSONField)
            kwargs.setdefault("blank_value", db_field.get_default if db_field.has_default() else list)
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.IntegerField) and not db_field.is_relation and formfield is not None:
            _bound_to_column(formfield, db_field)
        return formfield


def _bound_to_column(formfield, db_field) -> None:
    low, high = column_range(db_field)
    if isinstance(formfield, forms.IntegerField):
        if high is not None and (formfield.max_value is None or formfield.max_value > high):
            formfield.max_value = high
            formfield.validators.append(validators.MaxValueValidator(high))
            formfield.widget.attrs["max"] = high
        if low is not None and (formfield.min_value is None or formfield.min_value < low):
            formfield.min_value = low
            formfield.validators.append(validators.MinValueValidator(low))
            formfield.widget.attrs["min"] = low
