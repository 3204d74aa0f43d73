#!/usr/bin/env python3
"""Generated tests/data/cron/next_runs.tsv: the expected fire times of the
cron table test (tests/unit/core/schedule/cron_table_test.cpp).

This is a brute-force reference, written apart from the C++ code and sharing
nothing with it: it walks UTC minute by minute from `from`, turns each minute
into local wall time with Python's zoneinfo (the same OS tz database), and
applies the classic-cron rules of issue #5 literally:

  * a minute fires when its local wall time matches the five fields, with the
    day-of-month/day-of-week rule (both restricted: either matches; a field
    whose text begins with '*' makes both required);
  * wildcard schedules (minute or hour field begins with '*') fire at every
    matching local minute, so both passes of a repeated hour fire and skipped
    minutes never do;
  * fixed-time schedules skip a matching minute whose local time is the
    second pass of a repeated interval (zoneinfo's fold=1), and when the UTC
    offset grows between one minute and the next, fire once at the new minute
    if any local minute the jump skipped matches.

Only python3's standard library is used (no croniter, no APScheduler).
Run:  python3 tests/data/cron/reference_next_runs.py > tests/data/cron/next_runs.tsv
"""

import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def field_values(text, low, high, names):
    """The set of values a (valid) field allows."""
    def value(word):
        if word.isdigit():
            return int(word)
        return names.index(word.lower()) + low
    out = set()
    for item in text.split(","):
        step = 1
        if "/" in item:
            item, step_text = item.split("/")
            step = int(step_text)
        if item == "*":
            first, last = low, high
        elif "-" in item:
            a, b = item.split("-")
            first, last = value(a), value(b)
        else:
            first = last = value(item)
        out.update(range(first, last + 1, step))
    return out


class Cron:
    def __init__(self, text):
        fields = MACROS.get(text, text).split()
        assert len(fields) == 5, text
        self.minutes = field_values(fields[0], 0, 59, None)
        self.hours = field_values(fields[1], 0, 23, None)
        self.doms = field_values(fields[2], 1, 31, None)
        self.months = field_values(fields[3], 1, 12, MONTHS)
        self.dows = {d % 7 for d in field_values(fields[4], 0, 7, DAYS)}
        self.dom_star = fields[2].startswith("*")
        self.dow_star = fields[4].startswith("*")
        self.wildcard = fields[0].startswith("*") or fields[1].startswith("*")

    def matches(self, local):
        if local.minute not in self.minutes or local.hour not in self.hours:
            return False
        if local.month not in self.months:
            return False
        dom = local.day in self.doms
        dow = (local.isoweekday() % 7) in self.dows  # Sunday = 0
        if self.dom_star or self.dow_star:
            return dom and dow
        return dom or dow


def fires_at(cron, tz, u):
    """Whether the UTC minute `u` is a fire time."""
    local = u.astimezone(tz)
    if cron.wildcard:
        return cron.matches(local)
    if cron.matches(local) and local.fold == 0:
        return True
    before = (u - MINUTE).astimezone(tz)
    jump = local.utcoffset() - before.utcoffset()
    if jump > timedelta(0):
        # The naive local minutes between the one before and this one were
        # skipped by the clock change.
        skipped = before.replace(tzinfo=None) + MINUTE
        end = local.replace(tzinfo=None)
        while skipped < end:
            if cron.matches(skipped):
                return True
            skipped += MINUTE
    return False


def next_runs(expr, zone, start, count):
    cron = Cron(expr)
    tz = ZoneInfo(zone)
    u = start.replace(second=0, microsecond=0) + MINUTE
    runs = []
    while len(runs) < count:
        if fires_at(cron, tz, u):
            runs.append(u)
        u += MINUTE
    return runs


def parse_from(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def fmt(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# (expression, zone, from, count, note). Notes marked "hand:" were also
# worked out by hand from the rules; see docs/scheduling.md for the rules.
CASES = [
    # --- syntax, UTC ---
    ("* * * * *", "UTC", "2026-01-01T00:00:00Z", 3, "every minute, strictly after from"),
    ("* * * * *", "UTC", "2026-01-01T00:00:30Z", 2, "from inside a minute"),
    ("* * * * *", "UTC", "2026-12-31T23:58:00Z", 3, "year boundary"),
    ("*/15 * * * *", "UTC", "2026-01-01T00:00:00Z", 5, "step on *"),
    ("0 * * * *", "UTC", "2026-01-01T22:30:00Z", 3, "hourly by fields, day boundary"),
    ("30 2 * * *", "UTC", "2026-01-01T00:00:00Z", 3, "daily fixed time"),
    ("5,10,15 1,2 * * *", "UTC", "2026-01-01T00:00:00Z", 7, "lists"),
    ("0-10/5,30 * * * *", "UTC", "2026-01-01T00:00:00Z", 5, "stepped range and number in a list"),
    ("10-20/4 * * * *", "UTC", "2026-01-01T00:00:00Z", 4, "stepped range 10,14,18"),
    ("05 09 * * *", "UTC", "2026-01-01T00:00:00Z", 2, "leading zeros"),
    ("0 0 1 * *", "UTC", "2026-01-15T00:00:00Z", 4, "first of the month"),
    ("0 0 31 * *", "UTC", "2026-01-01T00:00:00Z", 5, "31st: only long months"),
    ("0 0 30 * *", "UTC", "2026-01-01T00:00:00Z", 4, "30th: skips February"),
    ("0 0 29 * *", "UTC", "2026-01-01T00:00:00Z", 3, "29th: skips February of a common year"),
    ("0 0 29 * *", "UTC", "2028-01-01T00:00:00Z", 3, "29th: February of a leap year"),
    ("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", 2, "leap day"),
    ("0 0 29 2 *", "UTC", "2028-02-29T00:00:00Z", 1, "leap day, strictly after the last one"),
    ("0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z", 1, "leap day across 2100, not a leap year"),
    ("59 23 31 12 *", "UTC", "2026-06-01T00:00:00Z", 2, "last minute of the year"),
    ("0 0 28-31 2 *", "UTC", "2027-01-01T00:00:00Z", 3, "February month end, common then leap"),
    ("0 0 1 JAN,APR,jul,Oct *", "UTC", "2026-01-01T00:00:00Z", 4, "month names, any case"),
    ("0 0 1 feb-APR *", "UTC", "2026-01-01T00:00:00Z", 3, "month name range"),
    ("0 0 1 */3 *", "UTC", "2026-01-01T00:00:00Z", 4, "month step 1,4,7,10"),
    ("0 0 1 2-12/5 *", "UTC", "2026-01-01T00:00:00Z", 3, "month stepped range 2,7,12"),
    ("0 0 1 jan-dec/4 *", "UTC", "2026-01-01T00:00:00Z", 3, "stepped name range 1,5,9"),
    ("0 12 * * 0", "UTC", "2026-01-01T00:00:00Z", 3, "Sunday as 0"),
    ("0 12 * * 7", "UTC", "2026-01-01T00:00:00Z", 3, "Sunday as 7"),
    ("0 12 * * SUN", "UTC", "2026-01-01T00:00:00Z", 3, "Sunday by name"),
    ("0 12 * * sun,Wed", "UTC", "2026-01-01T00:00:00Z", 4, "day names, any case"),
    ("0 12 * * mon-FRI", "UTC", "2026-01-01T00:00:00Z", 6, "day name range"),
    ("0 12 * * 5-7", "UTC", "2026-01-01T00:00:00Z", 4, "Fri-Sun through 7"),
    ("0 12 * * */2", "UTC", "2026-01-01T00:00:00Z", 4, "dow step over 0-7: Sun Tue Thu Sat"),
    ("0 12 * * 1-5/2", "UTC", "2026-01-01T00:00:00Z", 4, "Mon Wed Fri"),
    ("0 12 * * 0-7", "UTC", "2026-01-01T00:00:00Z", 3, "every day via 0-7"),
    ("0 0 13 * FRI", "UTC", "2026-01-01T00:00:00Z", 6, "OR rule: every 13th and every Friday"),
    ("0 0 1 * MON", "UTC", "2026-01-01T00:00:00Z", 5, "OR rule: 1st or Monday"),
    ("0 0 1-31 * MON", "UTC", "2026-01-01T00:00:00Z", 4, "1-31 is restricted: OR gives every day"),
    ("0 0 */1 * MON", "UTC", "2026-01-01T00:00:00Z", 3, "*/1 is unrestricted: AND gives Mondays"),
    ("0 0 * * MON", "UTC", "2026-01-01T00:00:00Z", 3, "plain * and Monday"),
    ("0 0 */2 * MON", "UTC", "2026-01-01T00:00:00Z", 3, "*/2 with Monday: odd days that are Mondays"),
    ("0 0 1-31/2 * MON", "UTC", "2026-01-01T00:00:00Z", 6, "1-31/2 with Monday: odd days or Mondays"),
    ("0 0 13 * */5", "UTC", "2026-01-01T00:00:00Z", 3, "dow */5 = Sun,Fri; AND with the 13th"),
    ("0 0 29 2 1", "UTC", "2026-01-01T00:00:00Z", 4, "OR rule in February: Mondays and the 29th"),
    ("0 0 29 2 */1", "UTC", "2026-01-01T00:00:00Z", 1, "AND rule: only the leap day"),
    ("0 0 31 * 3", "UTC", "2026-01-01T00:00:00Z", 5, "OR rule: the 31st or Wednesday"),
    ("0 9 1,15 * 1-5", "UTC", "2026-02-01T00:00:00Z", 5, "OR rule with a list"),
    ("@yearly", "UTC", "2026-01-01T00:00:00Z", 2, "macro"),
    ("@annually", "UTC", "2025-12-31T23:59:59Z", 2, "macro"),
    ("@monthly", "UTC", "2026-01-31T12:00:00Z", 3, "macro"),
    ("@weekly", "UTC", "2026-01-01T00:00:00Z", 3, "macro: Sundays"),
    ("@daily", "UTC", "2026-01-01T00:00:00Z", 3, "macro"),
    ("@midnight", "UTC", "2026-01-01T00:00:00Z", 2, "macro"),
    ("@hourly", "UTC", "2026-01-01T00:00:00Z", 3, "macro"),
    ("0 0 1 1 *", "UTC", "2026-01-01T00:00:00Z", 1, "strictly after: not the from minute"),
    ("0 0 1 1 *", "UTC", "2025-12-31T23:59:59.999Z", 1, "fractional from"),
    ("30 * * * *", "UTC", "2026-03-08T07:00:00-05:00", 2, "from with an offset"),
    # --- no daylight saving ---
    ("0 0 * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z", 3, "+05:30, midnight is 18:30Z"),
    ("30 5 * * *", "Asia/Kolkata", "2026-03-01T00:00:00Z", 2, "+05:30"),
    ("*/45 * * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z", 4, "+05:30, minutes 0 and 45"),
    ("@weekly", "Asia/Kolkata", "2026-01-01T00:00:00Z", 2, "Sunday local midnight"),
    ("0 0 1 * *", "Asia/Kolkata", "2026-01-15T00:00:00Z", 2, "local month start"),
    ("0 0 29 2 *", "Asia/Kolkata", "2026-01-01T00:00:00Z", 1, "leap day, local"),
    ("0 12 * * *", "Asia/Kathmandu", "2026-01-01T00:00:00Z", 2, "+05:45"),
    ("0 9 * * MON-FRI", "Asia/Tokyo", "2026-01-01T00:00:00Z", 5, "+09:00 weekdays"),
    # --- America/New_York: spring 2026-03-08 02:00 EST -> 03:00 EDT at 07:00Z ---
    ("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 3,
     "hand: gap, fixed: 07:00Z on 03-08 then 02:30 EDT = 06:30Z"),
    ("0,30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 3,
     "hand: two due times in one gap give one run at 07:00Z"),
    ("0 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 2, "gap, fixed, on the hour"),
    ("0 2,3 * * *", "America/New_York", "2026-03-07T12:00:00Z", 3,
     "hand: 02:00 moves to 03:00 EDT, which is due anyway: one run 07:00Z"),
    ("0 3 * * *", "America/New_York", "2026-03-07T12:00:00Z", 2, "03:00 EDT exists"),
    ("59 1 * * *", "America/New_York", "2026-03-07T12:00:00Z", 2, "just before the gap"),
    ("30 2 8 3 *", "America/New_York", "2026-01-01T00:00:00Z", 2, "gap on the only day"),
    ("30 2 * * *", "America/New_York", "2026-03-08T06:59:59Z", 1, "from just before the jump"),
    ("30 2 * * *", "America/New_York", "2026-03-08T07:00:00Z", 2, "from at the jump: strictly after"),
    ("*/30 * * * *", "America/New_York", "2026-03-08T06:00:00Z", 3,
     "hand: wildcard follows the wall clock: 06:30Z, 07:00Z, 07:30Z"),
    ("*/15 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 4,
     "wildcard: no runs on 03-08"),
    ("30 * * * *", "America/New_York", "2026-03-08T05:00:00Z", 3, "wildcard hour: 02:30 skipped"),
    ("@hourly", "America/New_York", "2026-03-08T05:30:00Z", 3, "@hourly is wildcard"),
    ("@daily", "America/New_York", "2026-03-07T00:00:00Z", 3, "midnights around the change"),
    # --- America/New_York: fall 2026-11-01 02:00 EDT -> 01:00 EST at 06:00Z ---
    ("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2,
     "hand: fixed fires once at 01:30 EDT = 05:30Z"),
    ("*/30 1 * * *", "America/New_York", "2026-11-01T04:00:00Z", 5,
     "hand: wildcard both passes 05:00Z 05:30Z 06:00Z 06:30Z"),
    ("0 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2, "fixed first pass only"),
    ("0 2 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2, "02:00 EST is not repeated"),
    ("0 * * * *", "America/New_York", "2026-11-01T04:30:00Z", 4, "wildcard: 01:00 twice"),
    ("15 1 * * *", "America/New_York", "2026-11-01T06:10:00Z", 1,
     "from inside the second pass: no second run that day"),
    ("15,45 1 * * *", "America/New_York", "2026-11-01T05:20:00Z", 2,
     "from inside the first pass"),
    ("*/20 1-2 * * *", "America/New_York", "2026-11-01T04:50:00Z", 10, "wildcard over the overlap"),
    ("0,30 0-3 * * *", "America/New_York", "2026-11-01T03:00:00Z", 8, "fixed over the overlap"),
    ("@daily", "America/New_York", "2026-10-31T00:00:00Z", 3, "midnights around the change"),
    # --- Europe/Berlin: spring 2026-03-29 02:00 CET -> 03:00 CEST at 01:00Z ---
    ("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2, "gap, fixed: 01:00Z"),
    ("0 2 * * SUN", "Europe/Berlin", "2026-03-20T00:00:00Z", 2, "gap on a Sunday"),
    ("*/20 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 3, "wildcard: none on 03-29"),
    ("*/30 * * * *", "Europe/Berlin", "2026-03-29T00:20:00Z", 4, "wildcard across the jump"),
    ("0 0 * * *", "Europe/Berlin", "2026-03-28T00:00:00Z", 3, "midnight CET then CEST"),
    ("0 1-3 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 4, "fixed hours, one in the gap"),
    ("15,45 2 29 3 *", "Europe/Berlin", "2026-01-01T00:00:00Z", 2, "two due times, one gap run"),
    # --- Europe/Berlin: fall 2026-10-25 03:00 CEST -> 02:00 CET at 01:00Z ---
    ("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2, "fixed: 02:30 CEST only"),
    ("*/20 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 7, "wildcard: both passes"),
    ("0 2 25 10 *", "Europe/Berlin", "2026-01-01T00:00:00Z", 2, "fixed, first pass"),
    ("@hourly", "Europe/Berlin", "2026-10-24T23:30:00Z", 4, "02:00 twice"),
    ("0 3 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2, "03:00 CET"),
    # --- Australia/Lord_Howe: 30-minute shifts ---
    # spring 2026-10-04 02:00 +10:30 -> 02:30 +11:00 at 15:30Z on 10-03
    ("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", 2, "gap, fixed: 15:30Z"),
    ("0 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", 2, "02:00 is skipped"),
    ("45 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", 2, "02:45 exists"),
    ("0,15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", 3, "two due times, one run"),
    ("*/15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", 4, "wildcard: 02:30, 02:45"),
    ("*/30 * * * *", "Australia/Lord_Howe", "2026-10-03T14:00:00Z", 4, "wildcard across the jump"),
    # fall 2026-04-05 02:00 +11:00 -> 01:30 +10:30 at 15:00Z on 04-04
    ("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z", 2, "fixed: first pass 14:45Z"),
    ("15 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z", 2, "01:15 is not repeated"),
    ("*/15 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z", 7, "wildcard: 01:30, 01:45 twice"),
    ("30 1,2 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z", 3, "fixed around the overlap"),
    ("@hourly", "Australia/Lord_Howe", "2026-04-04T13:30:00Z", 4, "whole hours around it"),
    # --- America/Sao_Paulo: midnight shifts ---
    # spring 2018-11-04 00:00 -03 -> 01:00 -02 at 03:00Z: local midnight does not exist
    ("0 0 * * *", "America/Sao_Paulo", "2018-11-03T12:00:00Z", 2, "hand: missing midnight: 03:00Z"),
    ("@daily", "America/Sao_Paulo", "2018-11-02T12:00:00Z", 3, "@daily over the missing midnight"),
    ("30 0 * * *", "America/Sao_Paulo", "2018-11-03T12:00:00Z", 2, "00:30 skipped: 03:00Z"),
    ("0 0 4 11 *", "America/Sao_Paulo", "2018-01-01T00:00:00Z", 2, "the missing day start only"),
    ("*/30 0 * * *", "America/Sao_Paulo", "2018-11-02T12:00:00Z", 4, "wildcard: none on 11-04"),
    ("0 * * * *", "America/Sao_Paulo", "2018-11-04T01:30:00Z", 3, "wildcard hours over the jump"),
    ("0 1 * * *", "America/Sao_Paulo", "2018-11-03T12:00:00Z", 2, "01:00 -02 exists"),
    ("0 0 * * SUN", "America/Sao_Paulo", "2018-10-30T00:00:00Z", 2, "Sunday 11-04 starts at 01:00"),
    # fall 2019-02-16 24:00 -02 -> 23:00 -03 at 02:00Z on 02-17: 23:xx repeats
    ("30 23 * * *", "America/Sao_Paulo", "2019-02-16T12:00:00Z", 2, "fixed: first pass 01:30Z"),
    ("*/30 23 * * *", "America/Sao_Paulo", "2019-02-16T12:00:00Z", 5, "wildcard: both passes"),
    ("0 0 * * *", "America/Sao_Paulo", "2019-02-16T00:00:00Z", 3, "midnights around the overlap"),
    ("0 23 16 2 *", "America/Sao_Paulo", "2019-01-01T00:00:00Z", 2, "fixed, first pass"),
    ("0 * * * *", "America/Sao_Paulo", "2019-02-17T00:30:00Z", 4, "wildcard: 23:00 twice"),
    # --- Australia/Sydney: southern hemisphere ---
    # fall 2026-04-05 03:00 AEDT -> 02:00 AEST at 16:00Z on 04-04
    ("30 2 * * *", "Australia/Sydney", "2026-04-04T00:00:00Z", 2, "fixed: 02:30 AEDT only"),
    ("*/30 2 * * *", "Australia/Sydney", "2026-04-04T00:00:00Z", 5, "wildcard: both passes"),
    ("0 2 * * SUN", "Australia/Sydney", "2026-04-01T00:00:00Z", 2, "fixed, first pass, Sunday"),
    # spring 2026-10-04 02:00 AEST -> 03:00 AEDT at 16:00Z on 10-03
    ("30 2 * * *", "Australia/Sydney", "2026-10-03T00:00:00Z", 2, "gap, fixed: 16:00Z"),
    ("*/30 2 * * *", "Australia/Sydney", "2026-10-02T12:00:00Z", 4, "wildcard: none on 10-04"),
    ("0 0 1 * *", "Australia/Sydney", "2026-03-15T00:00:00Z", 3, "month starts, AEDT then AEST"),
    ("@daily", "Australia/Sydney", "2026-10-02T00:00:00Z", 3, "midnights around the change"),
    # --- more zones with changes ---
    ("30 2 * * *", "America/St_Johns", "2026-03-07T12:00:00Z", 2, "-03:30 zone, gap"),
    ("30 1 * * *", "America/St_Johns", "2026-10-31T12:00:00Z", 2, "-03:30 zone, overlap fixed"),
    ("*/30 1 * * *", "America/St_Johns", "2026-11-01T02:00:00Z", 5, "-03:30 zone, overlap wildcard"),
    ("30 2 * * *", "Pacific/Auckland", "2026-09-26T00:00:00Z", 2, "NZ gap, fixed"),
    ("30 2 * * *", "Pacific/Auckland", "2026-04-04T00:00:00Z", 2, "NZ overlap, fixed"),
    ("*/30 2 * * *", "Pacific/Auckland", "2026-04-04T12:00:00Z", 4, "NZ overlap, wildcard"),
    ("0 1 * * *", "Europe/London", "2026-03-28T12:00:00Z", 2, "London gap 01:00-02:00"),
    ("0 1 * * *", "Europe/London", "2026-10-24T12:00:00Z", 2, "London overlap, fixed"),
    ("0 9 * * MON-FRI", "Europe/London", "2026-03-27T00:00:00Z", 3, "office hours over the change"),
]


def main():
    out = sys.stdout
    out.write("# Generated by reference_next_runs.py (brute-force minute walk over zoneinfo);\n")
    out.write("# do not edit by hand. Columns: expr, tz, from, expected runs (comma-separated,\n")
    out.write("# RFC 3339 UTC; the test asks for exactly that many), note.\n")
    for expr, zone, start, count, note in CASES:
        runs = next_runs(expr, zone, parse_from(start), count)
        out.write("\t".join([expr, zone, start, ",".join(fmt(r) for r in runs), note]) + "\n")


if __name__ == "__main__":
    main()
