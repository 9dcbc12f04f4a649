"""Human-written dates → ISO 8601, the course's neural-machine-translation task.

Dates between 1950-01-01 and 2049-12-31 are drawn with a seeded Generator; each *date value*
belongs to exactly one split (no test date appears in training in any format), and each
example renders its date in one of ``FORMATS``. Every string has one reading: years have
four digits, numeric dates with slashes are month first (US usage: 05/03/1979 is 3 May) and
numeric dates with dots are day first (3.5.1979 is 3 May). Inputs are lower-case.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .base import TextDataset

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
FIRST, LAST = dt.date(1950, 1, 1), dt.date(2049, 12, 31)


def _ordinal(d: int) -> str:
    return f"{d}{'th' if 11 <= d % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"


FORMATS = {
    "d mmm yyyy": lambda x: f"{x.day} {MONTHS[x.month - 1][:3]} {x.year}",
    "dd mmm yyyy": lambda x: f"{x.day:02d} {MONTHS[x.month - 1][:3]} {x.year}",
    "d mmmm yyyy": lambda x: f"{x.day} {MONTHS[x.month - 1]} {x.year}",
    "d mmmm, yyyy": lambda x: f"{x.day} {MONTHS[x.month - 1]}, {x.year}",
    "mmmm d, yyyy": lambda x: f"{MONTHS[x.month - 1]} {x.day}, {x.year}",
    "mmm d yyyy": lambda x: f"{MONTHS[x.month - 1][:3]} {x.day} {x.year}",
    "ddd d mmm yyyy": lambda x: f"{DAYS[x.weekday()][:3]} {x.day} {MONTHS[x.month - 1][:3]} {x.year}",
    "dddd, mmmm d, yyyy": lambda x: f"{DAYS[x.weekday()]}, {MONTHS[x.month - 1]} {x.day}, {x.year}",
    "dth of mmmm yyyy": lambda x: f"{_ordinal(x.day)} of {MONTHS[x.month - 1]} {x.year}",
    "mmmm dth yyyy": lambda x: f"{MONTHS[x.month - 1]} {_ordinal(x.day)} {x.year}",
    "mm/dd/yyyy": lambda x: f"{x.month:02d}/{x.day:02d}/{x.year}",
    "m/d/yyyy": lambda x: f"{x.month}/{x.day}/{x.year}",
    "dd.mm.yyyy": lambda x: f"{x.day:02d}.{x.month:02d}.{x.year}",
    "d.m.yyyy": lambda x: f"{x.day}.{x.month}.{x.year}",
}


def human_date(date: dt.date, fmt: str) -> str:
    """``date`` written in the format named ``fmt`` (a key of ``FORMATS``)."""
    try:
        return FORMATS[fmt](date)
    except KeyError:
        raise ValueError(f"unknown date format {fmt!r}; expected one of {sorted(FORMATS)}") from None


def load_dates(n: int = 20_000, seed: int = 0, dev_size: float = 0.1,
               test_size: float = 0.1) -> TextDataset:
    """``n`` (human date, ISO date) pairs from ``n`` distinct dates, split by date value."""
    span = (LAST - FIRST).days + 1
    if not 3 <= n <= span:
        raise ValueError(f"n must be between 3 and {span} (the distinct dates available), got {n}")
    rng = np.random.default_rng(seed)
    offsets = rng.choice(span, size=n, replace=False)
    names = sorted(FORMATS)
    fmts = rng.integers(0, len(names), size=n)
    pairs = []
    for off, k in zip(offsets, fmts):
        date = FIRST + dt.timedelta(days=int(off))
        pairs.append((human_date(date, names[k]), date.isoformat()))
    n_test, n_dev = int(round(test_size * n)), int(round(dev_size * n))
    test, dev, train = pairs[:n_test], pairs[n_test:n_test + n_dev], pairs[n_test + n_dev:]
    return TextDataset("dates", "human-written dates → ISO 8601 (generated, held out by date value)",
                       train, dev, test, info={"formats": names})
