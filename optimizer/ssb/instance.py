"""A Shift Scheduling Benchmark instance (Curtois & Qu, schedulingbenchmarks.org) and its reader.

A file has sections ``SECTION_HORIZON``, ``SECTION_SHIFTS``, ``SECTION_STAFF``,
``SECTION_DAYS_OFF``, ``SECTION_SHIFT_ON_REQUESTS``, ``SECTION_SHIFT_OFF_REQUESTS`` and
``SECTION_COVER``; ``#`` starts a comment. The rules are summed up in ``tests/data/ssb/README.md``.

:func:`parse_ssb` turns the text into an :class:`SsbInstance` (pure); :func:`read_ssb`
reads a file. Every defect raises :class:`~optimizer.errors.InvalidInput` naming the
section, the line and the value. :func:`ssb_size` counts the shift variables of the model,
which decides the solving strategy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from optimizer.errors import InvalidInput

Plan = Mapping[tuple[str, int], str]
"""A benchmark roster: (staff id, day) → shift id; missing keys are days off."""

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)


@dataclass(frozen=True)
class SsbShift:
    """A shift type: its length and the shift types that may not follow it the next day."""

    id: str
    minutes: int
    cannot_follow: tuple[str, ...]


@dataclass(frozen=True)
class SsbStaff:
    """An employee's limits (all hard in the benchmark)."""

    id: str
    max_shifts: dict[str, int]
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class SsbRequest:
    """A wish to work (shift-on) or not (shift-off) a shift on a day, with its weight."""

    staff_id: str
    day: int
    shift_id: str
    weight: int


@dataclass(frozen=True)
class SsbCover:
    """How many people a shift needs on a day, and the weights of each missing / extra one."""

    day: int
    shift_id: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class SsbInstance:
    """One benchmark instance, validated: ids resolve, days lie in the horizon."""

    name: str
    horizon: int
    shifts: tuple[SsbShift, ...]
    staff: tuple[SsbStaff, ...]
    days_off: dict[str, tuple[int, ...]] = field(default_factory=dict)
    on_requests: tuple[SsbRequest, ...] = ()
    off_requests: tuple[SsbRequest, ...] = ()
    cover: tuple[SsbCover, ...] = ()

    def shift(self, shift_id: str) -> SsbShift:
        """The shift type with this id."""
        return {s.id: s for s in self.shifts}[shift_id]


def ssb_size(inst: SsbInstance) -> int:
    """Number of shift variables the model would have (none on a requested day off or for a
    shift type whose maximum is zero)."""
    return sum(
        (inst.horizon - len(inst.days_off.get(st.id, ())))
        * sum(1 for s in inst.shifts if st.max_shifts.get(s.id, inst.horizon) > 0)
        for st in inst.staff
    )


def read_ssb(path: str | Path) -> SsbInstance:
    """Read a benchmark file; the instance is named after the file (``Instance1``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput("benchmark", str(p), "file not found") from None
    except OSError as err:
        raise InvalidInput("benchmark", str(p), f"cannot read: {err.strerror}") from None
    return parse_ssb(text, name=p.stem)


def parse_ssb(text: str, name: str = "instance") -> SsbInstance:
    """Parse the text of a benchmark file into a validated :class:`SsbInstance`."""
    sections = _split_sections(text)
    if "SECTION_HORIZON" not in sections or not sections["SECTION_HORIZON"]:
        raise InvalidInput("SECTION_HORIZON", None, "missing horizon")
    h_line, h_text = sections["SECTION_HORIZON"][0]
    horizon = _int(h_text, "SECTION_HORIZON", h_line)
    if horizon <= 0:
        raise InvalidInput("SECTION_HORIZON", horizon, "the horizon must be at least one day")
    shifts = tuple(_parse_shift(n, row) for n, row in sections.get("SECTION_SHIFTS", []))
    if not shifts:
        raise InvalidInput("SECTION_SHIFTS", None, "no shift types")
    staff = tuple(_parse_staff(n, row) for n, row in sections.get("SECTION_STAFF", []))
    if not staff:
        raise InvalidInput("SECTION_STAFF", None, "no staff")
    days_off: dict[str, tuple[int, ...]] = {}
    for n, row in sections.get("SECTION_DAYS_OFF", []):
        cells = _cells(row)
        days = tuple(_int(c, "SECTION_DAYS_OFF", n) for c in cells[1:] if c)
        days_off[cells[0]] = tuple(sorted(set(days_off.get(cells[0], ()) + days)))
    on = tuple(
        _parse_request(n, r, "SECTION_SHIFT_ON_REQUESTS")
        for n, r in sections.get("SECTION_SHIFT_ON_REQUESTS", [])
    )
    off = tuple(
        _parse_request(n, r, "SECTION_SHIFT_OFF_REQUESTS")
        for n, r in sections.get("SECTION_SHIFT_OFF_REQUESTS", [])
    )
    cover = tuple(_parse_cover(n, row) for n, row in sections.get("SECTION_COVER", []))
    inst = SsbInstance(name, horizon, shifts, staff, days_off, on, off, cover)
    check_ssb(inst)
    return inst


def check_ssb(inst: SsbInstance) -> None:
    """Ids are unique and resolve; every day index lies in the horizon."""
    shift_ids = [s.id for s in inst.shifts]
    staff_ids = [s.id for s in inst.staff]
    for label, ids in (("SECTION_SHIFTS", shift_ids), ("SECTION_STAFF", staff_ids)):
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise InvalidInput(label, sorted(dup)[0], "duplicate id")
    known_shifts, known_staff = set(shift_ids), set(staff_ids)
    for s in inst.shifts:
        for t in s.cannot_follow:
            if t not in known_shifts:
                raise InvalidInput("SECTION_SHIFTS", t, f"shift {s.id} names an unknown shift")
    for st in inst.staff:
        for t in st.max_shifts:
            if t not in known_shifts:
                raise InvalidInput("SECTION_STAFF", t, f"staff {st.id} names an unknown shift")
    for sid, days in inst.days_off.items():
        if sid not in known_staff:
            raise InvalidInput("SECTION_DAYS_OFF", sid, "unknown staff id")
        for d in days:
            _check_day(d, inst.horizon, "SECTION_DAYS_OFF")
    for label, reqs in (
        ("SECTION_SHIFT_ON_REQUESTS", inst.on_requests),
        ("SECTION_SHIFT_OFF_REQUESTS", inst.off_requests),
    ):
        for r in reqs:
            if r.staff_id not in known_staff:
                raise InvalidInput(label, r.staff_id, "unknown staff id")
            if r.shift_id not in known_shifts:
                raise InvalidInput(label, r.shift_id, "unknown shift id")
            _check_day(r.day, inst.horizon, label)
    for c in inst.cover:
        if c.shift_id not in known_shifts:
            raise InvalidInput("SECTION_COVER", c.shift_id, "unknown shift id")
        _check_day(c.day, inst.horizon, "SECTION_COVER")


def _split_sections(text: str) -> dict[str, list[tuple[int, str]]]:
    sections: dict[str, list[tuple[int, str]]] = {}
    current: str | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise InvalidInput(f"line {n}", line, "unknown section")
            current = line
            sections.setdefault(current, [])
            continue
        if current is None:
            raise InvalidInput(f"line {n}", line, "data before the first SECTION_ header")
        sections[current].append((n, line))
    return sections


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.split(",")]


def _int(text: str, section: str, line: int) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(f"{section} line {line}", text, "expected an integer") from None


def _expect(cells: list[str], n: int, section: str, line: int, row: str) -> None:
    if len(cells) < n:
        raise InvalidInput(f"{section} line {line}", row, f"expected {n} comma-separated fields")


def _parse_shift(line: int, row: str) -> SsbShift:
    cells = _cells(row)
    _expect(cells, 2, "SECTION_SHIFTS", line, row)
    minutes = _int(cells[1], "SECTION_SHIFTS", line)
    if minutes <= 0:
        raise InvalidInput(f"SECTION_SHIFTS line {line}", minutes, "shift length must be > 0")
    follow = cells[2] if len(cells) > 2 else ""
    return SsbShift(cells[0], minutes, tuple(t.strip() for t in follow.split("|") if t.strip()))


def _parse_staff(line: int, row: str) -> SsbStaff:
    cells = _cells(row)
    _expect(cells, 8, "SECTION_STAFF", line, row)
    max_shifts: dict[str, int] = {}
    for part in cells[1].split("|"):
        if not part.strip():
            continue
        sid, _, val = part.partition("=")
        max_shifts[sid.strip()] = _int(val, "SECTION_STAFF", line)
    nums = [_int(c, "SECTION_STAFF", line) for c in cells[2:8]]
    return SsbStaff(cells[0], max_shifts, *nums)


def _parse_request(line: int, row: str, section: str) -> SsbRequest:
    cells = _cells(row)
    _expect(cells, 4, section, line, row)
    return SsbRequest(
        cells[0], _int(cells[1], section, line), cells[2], _int(cells[3], section, line)
    )


def _parse_cover(line: int, row: str) -> SsbCover:
    cells = _cells(row)
    _expect(cells, 5, "SECTION_COVER", line, row)
    day, req, under, over = (_int(cells[i], "SECTION_COVER", line) for i in (0, 2, 3, 4))
    return SsbCover(day, cells[1], req, under, over)


def _check_day(day: int, horizon: int, section: str) -> None:
    if not 0 <= day < horizon:
        raise InvalidInput(section, day, f"day index outside the horizon 0..{horizon - 1}")
