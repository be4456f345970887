"""Interface text in Chinese (default) and English.

Every label the portal shows is looked up here, so a missing translation is a
test failure rather than a half-English page in front of a planning meeting.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

LABELS: dict[str, dict[str, str]] = {
    "page_title": {
        "zh": "规划项目地图",
        "en": "Plan projects map",
    },
    "title": {
        "zh": "地方规划基础设施项目地图",
        "en": "Infrastructure in local plans: project map",
    },
    "subtitle": {
        "zh": "川东北与重庆规划文件中的高速、铁路、水库、公园与园区",
        "en": "Highways, railways, reservoirs, parks and industrial zones "
        "named in plans of northeast Sichuan and Chongqing",
    },
    "english": {"zh": "English", "en": "English"},
    "map_caption": {
        "zh": "底图为离线县级行政区界（{n} 个区县）。边界：{source}。",
        "en": "Offline basemap: county boundaries ({n} counties). Boundaries: {source}.",
    },
    "county": {"zh": "区县", "en": "County"},
    "prefecture": {"zh": "地市", "en": "Prefecture"},
    "adcode": {"zh": "行政区划代码", "en": "Adcode"},
}


def translate(key: str, lang: str, **values: object) -> str:
    """Return the label for ``key`` in ``lang``, filled with ``values``.

    Raises
    ------
    KeyError
        If the key or language is unknown (a programming error, not user input).
    """
    return LABELS[key][lang].format(**values)
