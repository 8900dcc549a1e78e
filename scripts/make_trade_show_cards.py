"""Write docs/samples/trade-show-500-cards.vcf: the trade-show story's business cards (``dataops.trade_show``).

.venv/bin/python scripts/make_trade_show_cards.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "samples" / "trade-show-500-cards.vcf"


def main() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()
    from rapport.dataops.trade_show import trade_show_cards

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(trade_show_cards())
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
