"""Vietnam's time zone, for dates people read (tracking-code years, due dates, pages)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
