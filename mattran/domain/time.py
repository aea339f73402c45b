"""Vietnam's time zone, for dates people read (tracking-code years, due dates, pages)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def today_in_vietnam() -> date:
    """Today's date in Viet Nam."""
    return datetime.now(VIETNAM).date()
