#!/usr/bin/python3
# Cuts the report fonts kaohe embeds from Debian's AR PL fonts (Arphic Public License):
#   report/fonts/uming.ttf  AR PL UMing CN (明体/Song style), face 0 of fonts-arphic-uming's uming.ttc
#   report/fonts/ukai.ttf   AR PL UKai CN (楷体), face 0 of fonts-arphic-ukai's ukai.ttc
# Each keeps the TrueType outlines (glyf) of: printable ASCII, GB 2312 (all of it), the
# punctuation kaohe prints, and every character of the checklist, the roster and kaohe's
# own Go sources (non-test). Hinting, bitmaps, layout and vertical tables are dropped.
# Reproducible: the output depends only on the input fonts and the repository's text.
#
#   apt-get install fonts-arphic-uming fonts-arphic-ukai python3-fonttools
#   /usr/bin/python3 tools/cutfonts.py      (from the repository root)
import glob, os, sys
from fontTools.ttLib import TTCollection
from fontTools import subset

SRC = {
    "report/fonts/uming.ttf": "/usr/share/fonts/truetype/arphic/uming.ttc",
    "report/fonts/ukai.ttf": "/usr/share/fonts/truetype/arphic/ukai.ttc",
}
EXTRA = "，。、；：？！（）《》〈〉“”‘’「」『』【】〔〕…—–·×÷±≥≤≠％～●○■□△▲▼↑↓→←①②③④⑤⑥⑦⑧⑨⑩"


def charset():
    chars = set(chr(c) for c in range(0x20, 0x7F)) | set(EXTRA)
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars |= set(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    files = glob.glob("seeds/*.toml")
    for f in glob.glob("**/*.go", recursive=True):
        if f.startswith("third_party/") or f.endswith("_test.go") or "/testdata/" in f:
            continue
        files.append(f)
    for f in sorted(files):
        with open(f, encoding="utf-8") as fh:
            chars |= {c for c in fh.read() if 0x20 <= ord(c) < 0xFFFF}
    return {c for c in chars if c.isprintable()}


def main():
    if not os.path.exists("go.mod"):
        sys.exit("run from the repository root")
    chars = charset()
    for out, src in SRC.items():
        font = TTCollection(src).fonts[0]
        opt = subset.Options()
        opt.layout_features = []
        opt.hinting = False
        opt.drop_tables += ["EBDT", "EBLC", "EBSC", "BDF ", "FFTM", "GDEF", "GPOS", "GSUB",
                            "VORG", "vhea", "vmtx", "gasp", "DSIG"]
        opt.name_IDs = ["*"]
        opt.name_languages = ["*"]
        opt.notdef_outline = True
        opt.recalc_timestamp = False
        opt.glyph_names = False
        opt.prune_unicode_ranges = False
        s = subset.Subsetter(opt)
        s.populate(unicodes=[ord(c) for c in chars])
        s.subset(font)
        cmap = font["cmap"]
        cmap.tables = [t for t in cmap.tables if (t.platformID, t.platEncID, t.format) == (3, 1, 4)]
        font.recalcTimestamp = False  # keep the source font's dates: the same input gives the same bytes
        font.save(out, reorderTables=True)
        have = font.getBestCmap()
        miss = sorted(c for c in chars if ord(c) not in have)
        print(f"{out}: {len(have)} characters, {os.path.getsize(out)} bytes; "
              f"{len(miss)} wanted but not in the font: {''.join(miss[:40])}")


main()
