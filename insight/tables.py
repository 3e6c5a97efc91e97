"""The dashboards' tables, their suppression and their bar charts: one shape for every
dashboard, so that the page, the chart and the .xlsx export show the same figures, suppressed
the same way, and no dashboard can forget.

Suppression: a count from 1 to 4 is not shown ("fewer than 5"; "[c]" in a spreadsheet, as the
DfE writes it) in any row that is not the viewer's own local authority: another LA's row, the
whole region's, or any row a hub admin sees. 0 is shown. A rate, share or median made from a
suppressed count is suppressed with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

THRESHOLD = 5
SUPPRESSED_TEXT = "fewer than 5"
SUPPRESSED_XLSX = "[c]"
NOTE = (
    "[c]: fewer than 5, not shown outside the local authority they belong to; "
    "rates and medians made from them are not shown either."
)


@dataclass(frozen=True)
class Cell:
    """One figure as shown: its value (None when not known or not shown) and its words."""

    value: float | int | None
    text: str
    suppressed: bool = False

    def for_xlsx(self) -> Any:
        if self.suppressed:
            return SUPPRESSED_XLSX
        return self.value if self.value is not None else self.text


def hidden(count: int | None, *, own: bool) -> bool:
    """Whether a count must not be shown to this viewer."""
    return not own and count is not None and 0 < count < THRESHOLD


def count_cell(count: int | None, *, own: bool) -> Cell:
    if count is None:
        return Cell(None, "")
    if hidden(count, own=own):
        return Cell(None, SUPPRESSED_TEXT, suppressed=True)
    return Cell(count, f"{count:,}")


def share_cell(part: int | None, whole: int | None, *, own: bool) -> Cell:
    """part as a whole percentage of whole; suppressed when either count is."""
    if hidden(part, own=own) or hidden(whole, own=own):
        return Cell(None, SUPPRESSED_TEXT, suppressed=True)
    if not whole or part is None:
        return Cell(None, "")
    percent = round(100 * part / whole)
    return Cell(percent, f"{percent}%")


def measure_cell(
    value: float | None, *, basis: int | None, own: bool, unit: str = "", digits: int = 0
) -> Cell:
    """A median or mean of `basis` figures; suppressed when the basis is."""
    if hidden(basis, own=own):
        return Cell(None, SUPPRESSED_TEXT, suppressed=True)
    if value is None:
        return Cell(None, "")
    shown = round(value, digits) if digits else round(value)
    return Cell(shown, f"{shown:,}{unit}")


def text_cell(value: Any) -> Cell:
    return Cell(None, "" if value is None else str(value))


def change_cell(now: Cell, before: Cell) -> Cell:
    """This period less the one before, when both are shown."""
    if now.suppressed or before.suppressed or now.value is None or before.value is None:
        return Cell(None, "")
    change = now.value - before.value
    return Cell(change, f"{change:+,}" if change else "no change")


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]


@dataclass
class Table:
    key: str  # unique on its dashboard: the chart's and sheet's id
    title: str
    columns: list[str]  # the headings of the figures, after the row label's
    rows: list[Row]
    label_heading: str = ""
    description: str = ""
    chart: bool = True  # bars of the first two figures (this period, previous)
    unit: str = ""  # what the charted figures are ("%", " min"); empty for counts
    series: int = 2  # how many of the first figures the chart draws as bars

    @property
    def series_names(self) -> list[str]:
        return self.columns[: min(self.series, len(self.columns))]

    @property
    def headers(self) -> list[str]:
        return [self.label_heading or "Row", *self.columns]

    @property
    def has_figures(self) -> bool:
        return any(cell.value for row in self.rows for cell in row.cells)


def comparison_rows(
    labels: Iterable[tuple[str, str]],
    now: Mapping[str, int],
    before: Mapping[str, int],
    *,
    own: bool,
) -> list[Row]:
    """A row per (key, label): this period's count, the previous period's, and the change."""
    rows = []
    for key, label in labels:
        this, last = count_cell(now.get(key, 0), own=own), count_cell(before.get(key, 0), own=own)
        rows.append(Row(label, [this, last, change_cell(this, last)]))
    return rows


COMPARISON_COLUMNS = ["This period", "Previous period", "Change"]


# Charts ---------------------------------------------------------------------------------------

CHART_WIDTH = 640
LABEL_WIDTH = 220
BAR_HEIGHT = 14
ROW_GAP = 12


@dataclass(frozen=True)
class Bar:
    y: int
    width: float
    text: str
    text_x: float


@dataclass(frozen=True)
class ChartRow:
    label: str
    y: int
    bars: list[Bar]


@dataclass
class Chart:
    """Horizontal bars, this period (dark) above the previous (light, hatched in the key), each
    labelled with its figure so no meaning rests on colour alone."""

    id: str
    title: str
    description: str
    rows: list[ChartRow] = field(default_factory=list)
    height: int = 0
    series: Sequence[str] = ()
    label_width: int = LABEL_WIDTH
    bar_x: int = LABEL_WIDTH + 8


def chart_of(table: Table) -> Chart:
    series = table.series_names
    count = len(series)
    values = [
        [cell.value if not cell.suppressed and cell.value else 0 for cell in row.cells[:count]]
        for row in table.rows
    ]
    largest = max((v for row in values for v in row), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 8 - 90
    rows = []
    y = 30
    for row, figures in zip(table.rows, values, strict=True):
        bars = []
        for index in range(count):
            cell = row.cells[index]
            bars.append(
                Bar(
                    y=y + index * BAR_HEIGHT,
                    width=(width := round(span * figures[index] / largest, 1)),
                    text=cell.text or "none",
                    text_x=round(LABEL_WIDTH + 8 + width + 4, 1),
                )
            )
        rows.append(ChartRow(label=row.label, y=y, bars=bars))
        y += count * BAR_HEIGHT + ROW_GAP
    shown = ", ".join(f"{row.label}: {row.cells[0].text or 'none'}" for row in table.rows[:12])
    return Chart(
        id=f"chart-{table.key}",
        title=table.title,
        description=f"{series[0]}: {shown}. The table below has every figure.",
        rows=rows,
        height=y + 4,
        series=series,
    )
