"""The house rules that import-linter cannot see by itself (docs/architecture.md)."""

import tomllib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from audit import retention
from creditportal import policy

ROOT = Path(__file__).resolve().parents[2]


def _importlinter():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_every_app_of_the_project_is_under_the_import_rules():
    """An app left out of ``root_packages`` would be invisible to `make lint`'s import contracts."""
    config = _importlinter()
    ours = {app.name for app in apps.get_app_configs() if Path(app.path).parent == ROOT}
    assert ours <= set(config["root_packages"])
    layered = set()
    for contract in config["contracts"]:
        for layer in contract.get("layers", []):
            layered |= {name.strip().strip("()") for name in layer.replace(":", "|").split("|")}
    assert ours <= layered


def test_the_bottom_layers_fail_closed_without_a_policy(monkeypatch):
    monkeypatch.setattr(policy, "_installed", {})
    with pytest.raises(ImproperlyConfigured):
        policy.can(None, "view", object)


def test_the_policy_seam_hands_over_to_accounts():
    from accounts import permissions, twofactor

    assert policy._installed["scope"] is permissions.scope
    assert policy._installed["can"] is permissions.can
    assert policy._installed["require"] is permissions.require
    assert policy._installed["needs_second_factor"] is twofactor.needs_second_factor


def test_the_retention_purge_knows_its_de_identifiers_through_the_apps():
    from cases.services.lifecycle import case_records_deidentify
    from entities.services import entity_deidentify

    assert retention._person_deidentifier == [entity_deidentify]
    assert case_records_deidentify in retention._records_deidentifiers


def test_the_retention_purge_refuses_without_a_person_de_identifier(monkeypatch):
    monkeypatch.setattr(retention, "_person_deidentifier", [])
    with pytest.raises(ImproperlyConfigured):
        retention.purge_expired(actor=None)


@pytest.mark.django_db
def test_the_policy_names_no_case_state_and_fails_closed_without_the_workflows(monkeypatch):
    from accounts import permissions
    from cases.models import Case
    from cases.workflow import EDITABLE_STATES, HIDDEN_FROM_ENTITY_STATES

    assert set(permissions._CASE_STATES["editable"]) == set(EDITABLE_STATES)
    assert set(permissions._CASE_STATES["hidden_from_entity"]) == set(HIDDEN_FROM_ENTITY_STATES)
    monkeypatch.setattr(permissions, "_case_states_registered", False)
    from tests.factories import UserFactory

    assert permissions.represented_cases(Case.objects.all(), UserFactory()).query.is_empty()
