"""Receivers connected in ``RegisterConfig.ready``: the register follows publications, never the other way round."""

from . import services


def on_publication_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        services.listings_refresh(publication_ids=[instance.pk])


def on_case_saved(sender, instance, raw=False, **kwargs):
    # Only a decided case can have a publication; the flags "under objection / legal challenge" live on the case.
    if not raw and instance.decided_at is not None:
        services.listings_refresh_for_case(case_id=instance.pk)
