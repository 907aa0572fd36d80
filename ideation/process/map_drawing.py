"""The stakeholder map as an SVG drawn on the server: influence up, interest to the right.

Each entry is a numbered marker; the table next to the drawing lists the same entries with
the same numbers, so the drawing needs no colour or position to be understood (WCAG 1.1.1,
1.4.1). Markers of one kind share a shape as well as a colour.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ideation.process.models import EntryKind, StakeholderMapEntry

SIZE, MARGIN = 400, 40
CELL = (SIZE - 2 * MARGIN) / 5
COLOURS = {EntryKind.co_owner: "#0b5cab", EntryKind.partner: "#1d6b36",
           EntryKind.end_user: "#8a4b00", EntryKind.dissenter: "#a4262c",
           EntryKind.outsider: "#5c2d91"}


def _marker(kind: EntryKind, x: float, y: float) -> str:
    colour = COLOURS[kind]
    if kind is EntryKind.end_user:
        return f'<rect x="{x - 11:.0f}" y="{y - 11:.0f}" width="22" height="22" fill="{colour}"/>'
    if kind is EntryKind.dissenter:
        return (f'<polygon points="{x:.0f},{y - 13:.0f} {x + 13:.0f},{y + 10:.0f} '
                f'{x - 13:.0f},{y + 10:.0f}" fill="{colour}"/>')
    if kind is EntryKind.outsider:
        return (f'<polygon points="{x:.0f},{y - 13:.0f} {x + 13:.0f},{y:.0f} {x:.0f},{y + 13:.0f} '
                f'{x - 13:.0f},{y:.0f}" fill="{colour}"/>')
    return f'<circle cx="{x:.0f}" cy="{y:.0f}" r="12" fill="{colour}"/>'


def map_svg(entries: Sequence[StakeholderMapEntry]) -> Markup:
    """The drawing; entries on the same spot are spread a little so all numbers stay visible."""
    title, interest, influence = _("Stakeholder map"), _("Interest"), _("Influence")
    desc = _("Interest from left (low) to right (high), influence from bottom (low) to top "
             "(high). The numbers are those of the table.")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" '
             f'class="stakeholder-map" role="img" aria-labelledby="map-title map-desc">',
             f'<title id="map-title">{escape(title)}</title>',
             f'<desc id="map-desc">{escape(desc)}</desc>',
             f'<rect x="{MARGIN}" y="{MARGIN}" width="{SIZE - 2 * MARGIN}" '
             f'height="{SIZE - 2 * MARGIN}" fill="#fff" stroke="#1b1f24"/>',
             f'<line x1="{SIZE / 2}" y1="{MARGIN}" x2="{SIZE / 2}" y2="{SIZE - MARGIN}" '
             f'stroke="#767676" stroke-dasharray="4"/>',
             f'<line x1="{MARGIN}" y1="{SIZE / 2}" x2="{SIZE - MARGIN}" y2="{SIZE / 2}" '
             f'stroke="#767676" stroke-dasharray="4"/>',
             f'<text x="{SIZE / 2}" y="{SIZE - 12}" text-anchor="middle" font-size="14">'
             f'{escape(interest)} →</text>',
             f'<text x="14" y="{SIZE / 2}" text-anchor="middle" font-size="14" '
             f'transform="rotate(-90 14 {SIZE / 2})">{escape(influence)} →</text>']
    seen: dict[tuple[int, int], int] = {}
    for number, entry in enumerate(entries, 1):
        spot = (entry.interest, entry.influence)
        shift = seen.get(spot, 0)
        seen[spot] = shift + 1
        x = MARGIN + (entry.interest - 0.5) * CELL + (shift % 3 - 1) * 20 * (shift > 0)
        y = SIZE - MARGIN - (entry.influence - 0.5) * CELL + (shift // 3) * 20
        parts.append(_marker(entry.kind, x, y))
        parts.append(f'<text x="{x:.0f}" y="{y + 5:.0f}" text-anchor="middle" font-size="13" '
                     f'fill="#fff" font-weight="bold">{number}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - texts escaped above, the rest numbers
