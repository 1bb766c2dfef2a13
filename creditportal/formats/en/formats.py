"""One date format per page (issue 25): the admin's own dates read like the ISO dates written everywhere else.

Django's defaults ("Dec. 7, 2026", "2026年12月7日") next to the project's "2026-12-07" gave two formats on one
page. Both languages use ISO 8601 (GB/T 7408 in China); notices keep their own legal wording.
"""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
