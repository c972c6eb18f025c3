"""Write templates/common/fontmetrics.json: advance widths of the DejaVu faces the reference
documents name, for the DOCX page layout (`render/docxpages.py`). Deterministic; run it again
only when the reference documents name other fonts.

    python3 scripts/make_font_metrics.py [FONT_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fontTools.ttLib import TTFont

FACES = {
    "sans": "DejaVuSans.ttf",
    "sans-b": "DejaVuSans-Bold.ttf",
    "sans-i": "DejaVuSans-Oblique.ttf",
    "sans-bi": "DejaVuSans-BoldOblique.ttf",
    "mono": "DejaVuSansMono.ttf",
}
RANGES = [(0x20, 0x250), (0x2000, 0x2070), (0x20A0, 0x20C0), (0x2100, 0x2200)]
OUT = Path(__file__).resolve().parent.parent / "templates" / "common" / "fontmetrics.json"


def main(folder: Path = Path("/usr/share/fonts/truetype/dejavu"), out: Path = OUT) -> None:
    faces = {}
    for key, name in FACES.items():
        font = TTFont(folder / name, lazy=True)
        cmap, hmtx = font.getBestCmap(), font["hmtx"]
        upem = font["head"].unitsPerEm
        widths = {}
        for lo, hi in RANGES:
            for cp in range(lo, hi):
                if cp in cmap:
                    widths[chr(cp)] = hmtx[cmap[cp]][0]
        os2 = font["OS/2"]
        faces[key] = {
            "upem": upem,
            "ascent": os2.usWinAscent,
            "descent": os2.usWinDescent,
            "default": round(sum(widths.values()) / len(widths)),
            "widths": "".join(widths),
            "advances": list(widths.values()),
        }
    out.write_text(json.dumps(faces, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")


if __name__ == "__main__":
    main(*[Path(a) for a in sys.argv[1:2]])
