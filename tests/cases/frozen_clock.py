"""A frozen clock for lifecycle tests: ``django.utils.timezone.now`` answers a set time; no sleeps.

Everything that asks Django for the time through ``timezone.now()`` or ``timezone.localdate()``
(services, history rows, the sweep, the task backend) sees it. Model field defaults captured
``timezone.now`` at import, so services that must be on the frozen clock set those fields themselves.
"""

import datetime
import zoneinfo

from django.utils import timezone

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


class FrozenClock:
    def __init__(self, monkeypatch, start: datetime.date, hour: int = 10):
        self.now = datetime.datetime.combine(start, datetime.time(hour), tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: self.now.astimezone(datetime.UTC))

    @property
    def today(self) -> datetime.date:
        return self.now.date()

    def set(self, day: datetime.date, hour: int = 10) -> datetime.date:
        self.now = datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)
        return day

    def advance(self, **delta) -> datetime.date:
        self.now += datetime.timedelta(**delta)
        return self.today
