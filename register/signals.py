"""Receivers connected in ``RegisterConfig.ready``: the register follows publications, never the other way round."""

from django.db import transaction

from . import selectors, services


def on_publication_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        services.listings_refresh(publication_ids=[instance.pk])


def on_case_saved(sender, instance, raw=False, **kwargs):
    # Only a decided case can have a publication; the flags "under objection / legal challenge" live on the case.
    if not raw and instance.decided_at is not None:
        services.listings_refresh_for_case(case_id=instance.pk)


def on_search_filter_changed(sender, raw=False, **kwargs):
    """A department, conduct category or measure was saved or deleted: the search form's cached lists are stale.

    Forgotten after the commit, so no request can read the old rows again into the new cache entry."""
    if not raw:
        transaction.on_commit(selectors.search_filters_forget)


def on_migrated(sender, **kwargs):
    # Data migrations seed and change the catalogue through historical models, which fire no signal above.
    selectors.search_filters_forget()
