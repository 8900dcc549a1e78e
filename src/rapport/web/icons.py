"""The icons of the pages: stroke drawings on a 24x24 grid, inline SVG in ``currentColor``."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# Stroke icons (24x24 grid, drawn in currentColor) so that one set serves the nav and buttons.
_ICONS = {
    "home": '<path d="M3 11l9-8 9 8"/><path d="M5 10v10h14V10"/>',
    "accounts": '<rect x="4" y="3" width="16" height="18" rx="1"/><path d="M9 7h2M13 7h2M9 11h2M13 11h2M9 15h2M13 15h2"/>',
    "contacts": '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 4-6 8-6s8 2 8 6"/>',
    "leads": '<path d="M3 4h18l-7 8v6l-4 2v-8z"/>',
    "interactions": '<path d="M4 5h16v11H8l-4 4z"/>',
    "sales": '<path d="M4 19V9M10 19V5M16 19v-7M22 19H2"/>',
    "marketing": '<path d="M3 10v4h4l6 4V6L7 10z"/><path d="M17 9a4 4 0 010 6"/>',
    "service": '<path d="M4 14v-2a8 8 0 0116 0v2"/><rect x="3" y="14" width="4" height="6" rx="1"/><rect x="17" y="14" width="4" height="6" rx="1"/>',
    "fraud": '<path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z"/><path d="M12 8v5M12 16v.5"/>',
    "analytics": '<path d="M12 3v9l7 4"/><circle cx="12" cy="12" r="9"/>',
    "loyalty": '<path d="M12 3l2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1L3.2 9.5l6.1-.9z"/>',
    "automation": '<path d="M13 2L4 14h7l-1 8 9-12h-7z"/>',
    "data": '<ellipse cx="12" cy="5" rx="8" ry="3"/><path d="M4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3"/>',
    "admin": '<circle cx="12" cy="12" r="3"/><path d="M12 2v3M12 19v3M2 12h3M19 12h3M5 5l2 2M17 17l2 2M5 19l2-2M17 7l2-2"/>',
    "search": '<circle cx="11" cy="11" r="7"/><path d="M20 20l-4-4"/>',
    "menu": '<path d="M3 6h18M3 12h18M3 18h18"/>',
    "plus": '<path d="M12 5v14M5 12h14"/>',
    "edit": '<path d="M4 20h4L19 9l-4-4L4 16z"/>',
    "trash": '<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13"/>',
    "download": '<path d="M12 4v11M7 10l5 5 5-5M4 20h16"/>',
    "reply": '<path d="M9 14L4 9l5-5"/><path d="M4 9h10a6 6 0 016 6v4"/>',
    "paperclip": '<path d="M20 11l-8.5 8.5a5 5 0 01-7-7L13 4a3.5 3.5 0 015 5l-8.5 8.5a2 2 0 01-3-3L14 7"/>',
    "upload": '<path d="M12 16V5M7 10l5-5 5 5M4 20h16"/>',
    "phone": '<path d="M5 4h4l2 5-3 2a11 11 0 005 5l2-3 5 2v4a2 2 0 01-2 2A17 17 0 013 6a2 2 0 012-2z"/>',
    "email": '<rect x="3" y="5" width="18" height="14" rx="1"/><path d="M3 6l9 7 9-7"/>',
    "globe": '<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18"/>',
    "user": '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 4-6 8-6s8 2 8 6"/>',
    "filter": '<path d="M3 5h18M6 12h12M10 19h4"/>',
    "clock": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
    "chevron-left": '<path d="M15 18l-6-6 6-6"/>',
    "chevron-right": '<path d="M9 6l6 6-6 6"/>',
    "first": '<path d="M17 18l-6-6 6-6M7 6v12"/>',
    "x": '<path d="M6 6l12 12M18 6L6 18"/>',
    "inbox": '<path d="M3 13l3-8h12l3 8v6H3z"/><path d="M3 13h5l1 3h6l1-3h5"/>',
    "logout": '<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h11"/>',
    "lock": '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
    "sort": '<path d="M8 9l4-4 4 4M8 15l4 4 4-4"/>',
    "sort-asc": '<path d="M8 14l4-4 4 4"/>',
    "sort-desc": '<path d="M8 10l4 4 4-4"/>',
    "activities": '<rect x="4" y="4" width="16" height="17" rx="2"/><path d="M8 2v4M16 2v4M4 10h16M8 15l2 2 4-4"/>',
    "bell": '<path d="M6 16V11a6 6 0 0112 0v5l2 2H4z"/><path d="M10 21h4"/>',
}


def svg_icon(name: str, size: int = 18) -> SafeString:
    """An icon of ours as inline SVG (unknown names draw the inbox)."""
    paths = _ICONS.get(name, _ICONS["inbox"])
    return format_html(
        '<svg class="icon" width="{}" height="{}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" '
        'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">{}</svg>',
        size,
        size,
        # bandit B308/B703: constant SVG paths from _ICONS, never user input.
        mark_safe(paths),  # nosec B308, B703
    )
