import pytest
from django.core.exceptions import ValidationError

from creators.handles import validate_handle


@pytest.mark.parametrize("handle", ["ana", "Ana_Makes", "x" * 30, "studio_9", "___"])
def test_valid_handles_pass(handle):
    validate_handle(handle)


@pytest.mark.parametrize(
    ("handle", "message"),
    [
        ("ab", "3 to 30 characters"),
        ("x" * 31, "3 to 30 characters"),
        ("ana makes", "letters, digits and underscores"),
        ("ana-makes", "letters, digits and underscores"),
        ("anä", "letters, digits and underscores"),
        ("<script>", "letters, digits and underscores"),
        ("admin", "reserved"),
        ("ADMIN", "reserved"),
        ("Accounts", "reserved"),
        ("shop", "reserved"),
        ("api", "reserved"),
    ],
)
def test_bad_handles_get_a_clear_message(handle, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_handle(handle)
    assert message in " ".join(excinfo.value.messages)
