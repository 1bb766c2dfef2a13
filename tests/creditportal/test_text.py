import pytest
from django.core.exceptions import ValidationError

from creditportal.text import text_required


def test_text_required_returns_the_stripped_text():
    assert text_required("  a reason \n", field="reason", message="State it.") == "a reason"


@pytest.mark.parametrize("value", [None, "", "  \t\n"])
def test_text_required_refuses_blank_text_at_its_field_with_the_callers_message_and_code(value):
    with pytest.raises(ValidationError) as raised:
        text_required(value, field="reason", message="State it.", code="reason_required")
    (error,) = raised.value.error_dict["reason"]
    assert (error.message, error.code) == ("State it.", "reason_required")
