from tests.cases.conftest import (  # noqa: F401 - the case fixtures, shared with these tests
    caseworker,
    firm,
    make_draft,
    market,
    second_supervisor,
    supervisor,
    tax,
)

from .fixtures import clock, login, rep_acme, rep_wang, sanction, serve, wang  # noqa: F401
