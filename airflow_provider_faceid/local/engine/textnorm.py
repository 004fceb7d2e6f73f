"""Normalise recogniser output to the forms printed on mainland ID cards.

The PP-OCR recogniser was trained on mixed Simplified/Traditional text and full-width forms, so it
sometimes answers with a Traditional character or a full-width digit where the card prints the
Simplified / ASCII form. Only forms we have seen it produce (or their obvious neighbours) are
mapped: a general converter would rewrite rare characters that really appear in names.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources

# Traditional -> Simplified for characters common on ID cards (labels, place names, 公安局,
# frequent name/address characters). Extend when a specimen shows a new one.
_TRADITIONAL = (
    "漢別華國區縣鄉鎮號樓單門東廣陽陰龍寧遼長機關發簽證劉張陳楊趙黃吳孫馬許鄭謝韓馮鄧"
    "蕭葉蘇盧蔣賈錢鍾鐘歐車齊紅軍偉麗靜強鳳雲學興貴榮寶義蘭歸灣島嶺灘湯溝農場廠開這進"
    "遠運達邊團園圖橋樂樹標濟滬贛閩魯晉陝瓊臺莊屬戶總組隊級務護陸鄰舊頭員轄鹽礦鐵銀錦"
    "崗賓飛鶴鷹麥萬與個為來時傑輝濤鵬軒瑩潔嬌愛蓮瑤藝憶儀寬廟屆佈淨滿僑維爾錫倫溫"
)
_SIMPLIFIED_FORMS = (
    "汉别华国区县乡镇号楼单门东广阳阴龙宁辽长机关发签证刘张陈杨赵黄吴孙马许郑谢韩冯邓"
    "萧叶苏卢蒋贾钱钟钟欧车齐红军伟丽静强凤云学兴贵荣宝义兰归湾岛岭滩汤沟农场厂开这进"
    "远运达边团园图桥乐树标济沪赣闽鲁晋陕琼台庄属户总组队级务护陆邻旧头员辖盐矿铁银锦"
    "岗宾飞鹤鹰麦万与个为来时杰辉涛鹏轩莹洁娇爱莲瑶艺忆仪宽庙届布净满侨维尔锡伦温"
)
_SIMPLIFIED = str.maketrans(_TRADITIONAL, _SIMPLIFIED_FORMS)


@functools.cache
def traditional_only_forms() -> frozenset[str]:
    """Characters that are Traditional forms and never Simplified ones (壯, 別, 漢; not 乾 or 於,
    which Simplified text uses too), from OpenCC's character tables: what a mainland card never
    prints, so a recogniser may be kept from answering them at all (see ctc.CtcDecoder)."""
    tables = resources.files("opencc").joinpath("dictionary")
    to_simplified: dict[str, list[str]] = {}
    simplified: set[str] = set(_SIMPLIFIED_FORMS)
    for line in tables.joinpath("TSCharacters.txt").read_text("utf-8").splitlines():
        traditional, forms = line.split("\t", 1)
        to_simplified[traditional] = forms.split()
        simplified.update(forms.split())
    for line in tables.joinpath("STCharacters.txt").read_text("utf-8").splitlines():
        simplified.add(line.split("\t", 1)[0])
    listed = {t for t, forms in to_simplified.items() if t not in forms}
    return frozenset((listed | set(_TRADITIONAL)) - simplified)


# Punctuation that never belongs to a card value but that the recogniser reads out of
# guilloche strokes or label spacing ("住：址"); dropped. "-", ".", "·" and brackets stay: they
# occur in dates, minority names and addresses.
_NOISE = str.maketrans("", "", ":：;；,，、'\"‘’“”!！`^")

_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "~": "-", "～": "-", "_": "-"})


def to_simplified(text: str) -> str:
    """Map the Traditional forms the recogniser produces to the Simplified forms cards print."""
    return text.translate(_SIMPLIFIED)


def to_half_width(text: str) -> str:
    """Full-width ASCII (``１９８９``, ``Ｘ``) to ASCII; ideographic space dropped like spaces."""
    out = []
    for char in text:
        code = ord(char)
        # U+FF01..U+FF5E mirror ASCII 0x21..0x7E at a fixed offset.
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif char in " \u3000\t":
            continue
        else:
            out.append(char)
    return "".join(out)


def normalize(text: str) -> str:
    """The form the parser compares and returns: NFC, half-width ASCII, Simplified, no spaces."""
    return to_simplified(to_half_width(unicodedata.normalize("NFC", text))).translate(_NOISE)


def normalize_dashes(text: str) -> str:
    """Dash-like characters of a date range (``2016.02.29—2036.02.29``) to ``-``."""
    return text.translate(_DASHES)
