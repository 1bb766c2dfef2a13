from tests.cases.conftest import (  # noqa: F401 - the case fixtures, shared with these tests
    caseworker,
    firm,
    make_draft,
    market,
    other_caseworker,
    supervisor,
    tax,
)
