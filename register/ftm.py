"""The register as FollowTheMoney entities (issue 18), for sanctions-data aggregators (OpenSanctions, Aleph).

Each listing becomes the listed party — ``Person`` (natural persons), ``Company`` (legal persons),
``PublicBody`` (government bodies) or ``LegalEntity`` (other organisations) — and a ``Sanction`` pointing
at it, built with the ``followthemoney`` library, which rejects a property the schema does not have or a value
its type cannot hold.
Only the public content is used: a natural person carries no identifier (the masked number is not one).
"""

import json
from collections.abc import Callable, Iterable, Iterator

ID_PREFIX = "cn-creditportal"
# Entity kinds (entities.models.Entity.Kind) → FollowTheMoney schemata; the rest are LegalEntity.
SCHEMA_BY_KIND = {"natural_person": "Person", "legal_person": "Company", "government_body": "PublicBody"}


def _strict_add(proxy, prop: str, value) -> None:
    """Add a value; the library raises on a property the schema lacks, and a value it drops as invalid raises here."""
    if not value:
        return
    proxy.add(prop, value, quiet=False)
    if not proxy.get(prop):
        raise ValueError(f"FollowTheMoney rejected {proxy.schema.name}.{prop} = {value!r}")


def listing_entities(token: str, entry: dict, *, record_url: str) -> list:
    """The party and the sanction of one listing (its token and public content), as validated FollowTheMoney entity
    proxies."""
    # Imported here: loading the library reads its whole schema model, which only the download task needs.
    from followthemoney import model

    entity = entry["entity"]
    party = model.make_entity(SCHEMA_BY_KIND.get(entity["kind"], "LegalEntity"))
    # FollowTheMoney ids allow letters, digits, "." and "-" only: a digest of the token, stable across downloads.
    party.make_id(ID_PREFIX, token, "party")
    _strict_add(party, "name", entity["name"])
    _strict_add(party, "country", "cn")
    if entity["kind"] != "natural_person":
        _strict_add(party, "registrationNumber", entity["identifier"])
    sanction = model.make_entity("Sanction")
    sanction.make_id(ID_PREFIX, token)
    _strict_add(sanction, "entity", party.id)
    _strict_add(sanction, "authority", entry["department"])
    _strict_add(sanction, "country", "cn")
    _strict_add(sanction, "reason", [v for v in entry["conduct"].values() if v])
    _strict_add(sanction, "program", [v for v in entry["legal_basis"].values() if v])
    _strict_add(sanction, "authorityId", entry["document"].get("number"))
    _strict_add(sanction, "listingDate", entry["published_from"])
    _strict_add(sanction, "startDate", entry["document"].get("date"))
    _strict_add(sanction, "endDate", entry["ends_on"])
    _strict_add(sanction, "provisions", [m["name"].get("en") or m["name"].get("zh") for m in entry["measures"]])
    _strict_add(sanction, "sourceUrl", record_url)
    return [party, sanction]


def ftm_lines(contents: Iterable[tuple[str, dict]], *, record_url: Callable[[str], str]) -> Iterator[str]:
    for token, entry in contents:
        for proxy in listing_entities(token, entry, record_url=record_url(token)):
            yield json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True)
