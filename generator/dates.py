"""Reading the date forms that news sources, the reading tracker and other generators write.

ISO 8601 and its loose cousins (`2024-5-29 9:00:00 +0000`, a space before the offset, no
seconds), RFC 822 (`Tue, 10 Jun 2003 04:00:00 GMT`), and words (`Sept. 27, 2023`,
`27 September 2023 7:30 pm`). Offsets may be `+01:00`, `+0100`, `+01`, `Z`, `UTC` or `GMT`;
a time without one is in the site's zone.

It also holds the one clock that Digest lets into what it writes (`now`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
DATE_MAX = 80  # characters: no date is longer, and a long text is not worth a regex's time
_ZONE = r"(?:\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?))?"
_TIME = (r"(?:[ T,]+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?\s*([ap]\.?m\.?)?)?"
         + _ZONE)
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
# "Sept. 27, 2023", "Sep 27 2023", "September 27, 2023 7:30"
_MONTH_FIRST = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})" + _TIME + r"$",
                          re.IGNORECASE)
# "27 September 2023", "10 Jun 2003 04:00:00 GMT" (RFC 822, once its weekday is gone)
_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})" + _TIME + r"$",
                        re.IGNORECASE)
# "2023/09/27 07:30", "2023-09-27", "2024-5-29 9:00:00 +0000"
_NUMERIC = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})" + _TIME + r"$", re.IGNORECASE)


def parse_date(value: object, tz: tzinfo) -> datetime:
    """A timezone-aware datetime; times without an offset are in `tz`. Raises ValueError."""
    if isinstance(value, datetime):
        return _checked(value if value.tzinfo else value.replace(tzinfo=tz), str(value))
    if isinstance(value, date):
        return _checked(datetime.combine(value, time(), tz), str(value))
    if not isinstance(value, str):
        raise ValueError(f"cannot read {value!r} as a date")
    text = " ".join(value.strip().split())
    if len(text) > DATE_MAX:
        raise ValueError(f'cannot read "{text[:DATE_MAX]}…" as a date')
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = _parse_words(text)
    return _checked(parsed if parsed.tzinfo else parsed.replace(tzinfo=tz), text)


def _checked(moment: datetime, text: str) -> datetime:
    """A date that every time zone can show: years 2 to 9998 (the ends overflow on conversion)."""
    if not 1 < moment.year < 9999:
        raise ValueError(f'"{text}" is outside the years 2 to 9998')
    try:
        moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(f'"{text}" is outside the dates Digest can show') from None
    return moment


def _parse_words(text: str) -> datetime:
    bare = _WEEKDAY.sub("", text)
    for pattern, order in ((_NUMERIC, "ymd"), (_MONTH_FIRST, "mdy"), (_DAY_FIRST, "dmy")):
        match = pattern.match(bare)
        if not match:
            continue
        a, b, c, hour, minute, second, ampm, zone = match.groups()
        if order == "mdy":
            month, day, year = MONTHS.get(a.lower()), int(b), int(c)
        elif order == "dmy":
            day, month, year = int(a), MONTHS.get(b.lower()), int(c)
        else:
            year, month, day = int(a), int(b), int(c)
        if month is None:
            break
        h = int(hour or 0)
        if ampm:
            if not 1 <= h <= 12:
                break
            h = h % 12 + (12 if ampm.lower().startswith("p") else 0)
        try:
            moment = datetime(year, month, day, h, int(minute or 0), int(second or 0))
            return moment.replace(tzinfo=_zone(zone)) if zone else moment
        except ValueError:
            break
    raise ValueError(f'cannot read "{text}" as a date')


def _zone(text: str) -> tzinfo:
    """`Z`, `UTC`, `GMT`, `+01:00`, `+0100` or `+01` as a fixed offset; ValueError if none."""
    if text.upper() in {"Z", "UTC", "GMT"}:
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:-2] if len(digits) > 2 else digits), \
        int(digits[-2:] if len(digits) > 2 else 0)
    if hours > 23 or minutes > 59:
        raise ValueError(text)
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"


def source_date_epoch(environ: Mapping[str, str] | None = None) -> datetime | None:
    """The time SOURCE_DATE_EPOCH names (https://reproducible-builds.org/specs/source-date-epoch/),
    in UTC; None when it is unset or empty. Raises ValueError (its message for after the
    variable's name) when it is not a whole number of seconds since 1970, as the specification
    asks: a build must not quietly fall back to the clock it was told not to use."""
    value = (os.environ if environ is None else environ).get(SOURCE_DATE_EPOCH, "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise ValueError("expected a whole number of seconds since 1970-01-01 UTC (as "
                         f"`date +%s` prints), got {value[:40]!r}")
    try:
        return _checked(datetime.fromtimestamp(int(value), UTC), value)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{value[:40]} seconds is past the dates Digest can show") from None


def now(tz: tzinfo, environ: Mapping[str, str] | None = None) -> datetime:
    """The current time in `tz` to the second, or SOURCE_DATE_EPOCH's when it is set: the only
    clock that anything Digest writes may show."""
    fixed = source_date_epoch(environ)
    moment = fixed if fixed is not None else datetime.now(UTC)
    return moment.astimezone(tz).replace(microsecond=0)
