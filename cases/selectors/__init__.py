"""Reads of case data for other apps and views (STYLE: services change state; selectors read it).

One module per concern (e.g. ``queues``, ``publications``); every reader goes through the one policy
(``accounts.permissions.scope``) or an explicit allow-list, and other apps import from here, never from
``cases.models`` querysets built in their own views.
"""
