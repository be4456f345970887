"""What a project name is: a proper part in front of a head word, never only generic words.

A plan names a project by something that picks it out on a map: a place
(宣汉县商贸物流园, 土溪口水库), a line abbreviation made of place characters
(成达万高铁, 渝遂高速), endpoints (大竹至垫江高速), a road number (G245, 国道350)
or a proper-noun stem (玻纤产业园, 龙湾湿地公园). Plans also write the same head
words after words that name no particular thing: scope (全省高速公路, 全市水库),
class and condition (病险水库, 小型水库, 重点产业园), counts and sizes (三大高速公路,
3公里公园, 41座水库), service slogans (市市通高铁, 县县通高速), or a pointer (其中高铁,
沿线公园). :func:`rejection` says why a stem is one of those; anything else is
kept, and :func:`proper_part` says what makes it a name (for ``--explain``).

The lexicon holds words of the language of plans, never names of projects, so
it carries to documents of other counties and years. Name boundaries live here
too: :func:`strip_lead` peels the verbs, subjects and particles plans put in
front of a name ("开通了", "企业经", "加快推进", "力争2025年").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from layers.placenames import PlaceIndex

CN_NUM = "0-9一二两三四五六七八九十百"
"""Digits and Chinese numerals a count is written with."""

# Words peeled off the front of a name, repeatedly (verbs, hedges, time, linkers, subjects).
LEAD_WORDS: tuple[str, ...] = tuple(
    sorted(
        """
        加快推进 加快建设 加快实施 加快培育 加快完善 加快联通 加快 推进 推动 配合做好 配合 做好
        做细 做深 做实 开工建设 开工 开建 建成 建好 建设 新建 续建 实施 完成 全面完成 全面建成
        基本建成 力争 争取 启动 打造 规划建设 规划 谋划 研究 开展 依托 以 及 和 与 等 同时 重点
        全力 积极 争创 创建 成功 提速 提升 巩固 完善 培育 高标准 高质量 全面 统筹 加强 保护好
        营运好 共建 投用 实现 确保 围绕 支持 协调 落实 抓好 深化 大力 有序 持续 着力 进一步 申报
        推进实施 争取实施 启动实施 开展 编制 融入 按计划 构建 把 强化 突出 擦亮 拉开 建强 壮大
        探索 作为 聚力 严格按照 再建 一批 各 有关 全市 全区 全县 加速 服务 引进 招引 对接 衔接
        参与 争取将 将 用好 办好 联动 协同 带动 发挥 促进 修编 提档升级 提档 优化调整 优化 调整
        升级 严控 健全 串联 组建 牵头 推广 做强 做大 新增 改造 扩建 整治 管好 用活 盘活 激活 招商
        即以 即 开通了 开通 建成了 完成了 实现了 新开工 协同推进 有序推进 全速推进 境内有 拥有
        已有 企业经 经由 途经 通过 全省首个 全市首个 全国首个 首个 首批 高质量服务 服务于
        """.split(),
        key=len,
        reverse=True,
    )
)
LEAD_WORD_SET: frozenset[str] = frozenset(LEAD_WORDS)
_LEAD_RE = re.compile(
    rf"^(?:(?:到|至|在|于)?(?:19|20)\d{{2}}年(?:底|前|内)?|今年|明年|十四五期间"
    rf"|[（(][一二三四五六七八九十\d]{{1,3}}[）)]|[一二三四五六七八九十]是"
    rf"|{'|'.join(map(re.escape, LEAD_WORDS))})"
)

# Whole stems that name a class of things, not one thing.
_GENERIC_STEMS = {
    "", "城市", "省级", "国家级", "市级", "县级", "国家", "小型", "中型", "大型", "大中型",
    "重点", "各类", "特色", "化工", "物流", "产业", "工业", "现代", "农业", "现代农业", "园区",
    "城区", "全市", "全区", "全县", "新建", "在建", "高速", "主要", "区域", "综合", "专业",
    "农业产业", "城乡", "森林", "湿地", "山地", "体育", "口袋", "社区", "乡村", "智慧", "生态",
    "主题", "文化", "遗址", "县城", "中心城区", "快速", "过境", "普速", "干线", "市域", "货运",
    "全国", "健身", "城市湿地", "城市双拥", "现代山地", "世界地质", "国家地质", "特色产业",
    "乡村产业", "国家级中药材", "文化创意", "新材料产业园特色", "精品", "田园", "旅游", "公园",
    "铁路", "铁路集装箱", "仓储物流", "国家水利风", "重点旅游",
}  # fmt: skip
# Words of scope, class, condition, pointer and slogan: a stem made only of these (and
# of numbers) names no particular thing (全省 + 高速公路, 病险 + 水库, 市市通 + 高铁).
GENERIC_WORDS: tuple[str, ...] = tuple(
    sorted(
        """
        全省 全市 全区 全县 全州 全镇 全国 全域 全线 全部 各地 各县 各区 其中 其余 沿线 沿途 周边
        境内 辖区 病险 小型 中型 大型 大中型 中小型 中小 小微 重点 重大 骨干 主要 一批 一些
        部分 若干 多个 多条 市市通 县县通 镇镇通 村村通 乡乡通 市州 三大 两大 四大 五大 六大 几大
        新 老 旧 现有 已建 在建 新建 拟建 跨省 跨市 跨区 跨境 跨区域 省际 市际 县际 城乡 城际 城市
        城镇 乡村 农村 社区 口袋 街头 小区 滨水 休闲 健身 游憩 森林 湿地 地质 遗址 世界 郊野 水利
        综合 专业 特色 精品 主题 示范 标准化 现代化 高标准 普通 普速 快速 高等级 干线 支线 地方
        国家 省级 市级 县级
        """.split(),
        key=len,
        reverse=True,
    )
)
_NUMBER_WITH_UNIT = rf"[{CN_NUM}.]+\s*(?:公里|千米|米|平方公里|亩|万|亿|条|座|个|处|家)?"
_GENERIC_WORDS_RE = re.compile(
    rf"(?:{'|'.join(map(re.escape, GENERIC_WORDS))}|{_NUMBER_WITH_UNIT})+"
)
# Words that end a stem and leave the head standing alone (孵化器升级和高新区).
_DANGLING_END_RE = re.compile(r"[和与及的为等把对向]$")
# 一批, 的 and an adverb's 地 make a description (有序地建设的公园), but 湿地 is a name word.
_DESCRIPTIVE_RE = re.compile(
    r"一批|的|得$|^[地得]|(?:积极|有序|全面|稳步|扎实|高效|科学|合理|有效|持续|大力|逐步|切实|主动"
    r"|统筹|因地制宜|高质量|高标准)地$"
)
_COUNT_RE = re.compile(rf"[{CN_NUM}]+\s*[个座条处家]")
_SIZE_RE = re.compile(r"^[\d.]+\s*[亿万千百]|[千百十]亿级|亿级")
_UNIT_RE = re.compile(rf"^[{CN_NUM}.]+\s*(?:公里|千米|米|平方公里|亩|万|亿)")
_RANK_RE = re.compile(r"(?:国家级|省级|市级|县级|区级)")
_GRADE_RE = re.compile(r"[1-5]A|A{2,5}|A级", re.IGNORECASE)
_ROAD_NUMBER_RE = re.compile(r"[GSXgsx]\d{2,4}|(?:国道|省道|县道)\s*\d{1,4}")
_ENDPOINTS_RE = re.compile(r"[\u4e00-\u9fff]{2,}(?:至|经|—|－)[\u4e00-\u9fff]{1,}")


def strip_lead(name: str) -> tuple[str, int]:
    """Peel verbs, hedges and dates off the front of a name; return it and the cut."""
    cut = 0
    while True:
        m = _LEAD_RE.match(name[cut:])
        if not m or len(name) - cut - len(m.group(0)) < 2:
            return name[cut:], cut
        cut += len(m.group(0))


def rejection(stem: str) -> str | None:
    """Why ``stem`` (a name without its head word) names no particular project, or None.

    The answer is a short reason for ``--explain``: a count, a size class, a rank,
    a descriptive phrase, a verb alone, or only generic words.
    """
    if _COUNT_RE.search(stem):
        return "a count"  # 2个特色主题文化公园
    if _SIZE_RE.search(stem) or _UNIT_RE.match(stem):
        return "a size or a number with a unit"  # 100亿级工业园区, 3公里公园
    if _DESCRIPTIVE_RE.search(stem):
        return "a descriptive phrase"
    if len(re.findall(r"[\u4e00-\u9fff]", stem)) < 2:
        return "no proper part (fewer than two characters)"
    if _RANK_RE.match(stem):
        return "a rank, not a name"  # 国家级绿色工业园区
    if _GRADE_RE.search(stem):
        return "a grade, not a name"  # 国家5A级旅游景区
    if stem in LEAD_WORD_SET or _DANGLING_END_RE.search(stem):
        return "only a verb or a linker before the head"
    if stem in _GENERIC_STEMS or re.fullmatch(r"[\d\s]+", stem):
        return f"generic words only ({stem})"
    if _GENERIC_WORDS_RE.fullmatch(stem):
        return f"generic words only ({stem})"  # 全省, 病险, 市市通, 跨省城际
    return None


def proper_part(stem: str, *, places: PlaceIndex | None = None) -> str:
    """What makes a kept stem a name, for ``--explain``: a road number, endpoints, a
    place of the reference geography, a short line abbreviation, or a proper stem."""
    road = _ROAD_NUMBER_RE.search(stem)
    if road:
        return f"road number {road.group(0)}"
    if _ENDPOINTS_RE.search(stem):
        return "endpoints"
    place = _first_place(stem, places)
    if place:
        return f"place {place}"
    if 2 <= len(stem) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", stem):
        return "short stem or line abbreviation"
    return "proper stem (not in the generic lexicon)"


def _first_place(stem: str, places: PlaceIndex | None) -> str | None:
    """The first (longest at its position) place name inside ``stem``, if any."""
    if places is None:
        return None
    tables = (places.full, places.short, places.former)
    for i in range(len(stem) - 1):
        for n in (4, 3, 2):
            piece = stem[i : i + n]
            if len(piece) == n and any(piece in table for table in tables):
                return piece
    return None


def contains_place(stem: str, places: PlaceIndex | None) -> bool:
    """Whether ``stem`` holds the name of a province, prefecture or county (current,
    short or former): 川渝合作(达州·大竹) holds 达州 and 大竹. Without an index, only
    a place word ending in 省/市/县/区 counts."""
    if places is None:
        return bool(re.search(r"[\u4e00-\u9fff]{2,4}[省市县区]", stem))
    tables = (places.full, places.short, places.former)
    return any(
        stem[i : i + n] in table
        for n in (2, 3, 4)
        for i in range(len(stem) - n + 1)
        for table in tables
    )


@dataclass(frozen=True)
class Candidate:
    """A head word the extractor looked at, and what it decided (``--explain``).

    ``text`` is the stretch of text that was judged (the name as it would be
    kept, or the words before the head when it was dropped); ``reason`` says
    what made it a name or why it is not one.
    """

    text: str
    category: str
    start: int
    end: int
    kept: bool
    reason: str
