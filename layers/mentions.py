"""Find named projects in a clause: head words, clean name boundaries, lists.

A project name in a plan ends in its layer's head word (…高速, …铁路, …水库,
…公园, …产业园) or is a numbered road (G245, S303). Its left edge is where the
name characters stop (punctuation) after peeling off the verbs, hedges and time
words documents put in front ("加快推进", "力争2025年", "配合做好"). Coordinated
lists share one head: "土溪口、固军两座大型水库" names two reservoirs and
"大竹至垫江、城口经宣汉至重庆高速" two expressways. Counts and categories with no
proper name ("41座小型水库", "省级园区") are not projects.

Everything is driven by the language of these documents (head words, verbs,
quantifiers), never by a list of known projects, so it carries to documents from
other counties and years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Head words per layer, longest first so 高速公路 wins over 高速.
HEADS: dict[str, tuple[str, ...]] = {
    "railway": ("高速铁路", "城际铁路", "市域铁路", "货运铁路", "轨道交通", "铁路", "高铁", "城际"),
    "highway": ("高速公路", "高速通道", "高速"),
    "reservoir": ("水库",),
    "park": ("公园",),
    "industrial_zone": (
        "高新技术产业开发区", "高新技术产业示范区", "经济技术开发区", "经济开发区", "产业开发区",
        "产业园区", "工业园区", "物流园区", "化工园区", "加工园区", "产业园", "工业园",
        "物流园", "高新区", "经开区",
    ),
    "other": (
        "通用机场", "运输机场", "机场", "客运站", "货运站", "集装箱场站", "货运站场", "场站", "货场",
        "无水港", "物流枢纽", "景区", "集装箱基地", "物流基地",
    ),
}  # fmt: skip
_HEAD_CATEGORY = {h: c for c, hs in HEADS.items() for h in hs}
_HEAD_RE = re.compile("|".join(sorted(map(re.escape, _HEAD_CATEGORY), key=len, reverse=True)))
_CHAINED_RE = re.compile(rf"(?:{_HEAD_RE.pattern})[—－]")
_ROAD_RE = re.compile(r"(?<![A-Za-z0-9])([GS]\d{2,4})(?![0-9])")

# Characters a name may contain; anything else ends it.
_NAME_CHARS = r"\u4e00-\u9fffA-Za-z0-9—\-－+（）()“”·"
_NAME_RUN_RE = re.compile(rf"[{_NAME_CHARS}]+$")
_FORWARD_RUN_RE = re.compile(rf"[{_NAME_CHARS}]+")
# What may follow a head inside the same name: phases, sections, upgrades.
_TAIL_RE = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]+期(?:工程|项目)?[）)]?"
    r"|[东西南北]段"
    r"|[（(][\u4e00-\u9fff]{1,8}段[）)]"
    r"|[东西南北中]?(?:环线|联络线|支线|专用线)"
    r"|[\u4e00-\u9fff]{2,8}至[\u4e00-\u9fff]{2,8}段"
    r"|扩能改造(?:项目)?)"
)
_CN_NUM = "0-9一二两三四五六七八九十百"
# Quantifiers and size words between the listed names and their shared head.
_LIST_TAIL_RE = re.compile(
    rf"(?:等)?(?:[{_CN_NUM}]+\s*[座个条处家])?(?:大中型|大型|中型|小型|重点|骨干)?$"
)
# A level and kind shared by a list and kept in each name: "恩阳优质粮油+猪、通江食用菌
# 省级现代农业产业园区" names 通江食用菌省级现代农业产业园区.
_SHARED_LEVEL_RE = re.compile(r"(?:国家级|省级|市级)(?:现代农业|农业)?$")
# A count right after the head: "创建国家现代农业产业园1个" is a target, not a name.
_COUNT_AFTER_RE = re.compile(rf"\s*[{_CN_NUM}]+\s*[个座条处家]")
# Words peeled off the front of a name, repeatedly (verbs, hedges, time, linkers).
_LEAD_WORDS = tuple(
    sorted(
        """
        加快推进 加快建设 加快实施 加快培育 加快完善 加快联通 加快 推进 推动 配合做好 配合 做好 做细 做深 做实
        开工建设 开工 开建 建成 建好 建设 新建 续建 实施 完成 全面完成 全面建成 基本建成 力争 争取
        启动 打造 规划建设 规划 谋划 研究 开展 依托 以 及 和 与 等 同时 重点 全力 积极 争创 创建 成功
        提速 提升 巩固 完善 培育 高标准 高质量 全面 统筹 加强 保护好 营运好 共建 投用 实现 确保 围绕
        支持 协调 落实 抓好 深化 大力 有序 持续 着力 进一步 申报 推进实施 争取实施 启动实施
        开展 编制 融入 按计划 构建 把 强化 突出 擦亮 拉开 建强 壮大 探索 作为 聚力 严格按照 再建 一批
        各 有关 全市 全区 全县 加速 服务 引进 招引 对接 衔接 参与 争取将 将 用好 办好 联动 协同 带动
        发挥 促进 修编 提档升级 提档 优化调整 优化 调整 升级 严控 健全 串联 组建 牵头 推广 做强 做大
        新增 改造 扩建 整治 管好 用活 盘活 激活 招商 即以 即
        """.split(),
        key=len,
        reverse=True,
    )
)
# Verbs that cannot sit inside a name: a run is cut after the last one.
_BARRIER_RE = re.compile(
    r"建成|开工|通车|建设|推进|加快|完成|启动|力争(?!取)|实施|打造|争取|依托|规划|达到|形成|创建|争创|培育|提升"
    r"|纳入|融入|开展|编制|谋划|构建|作为|为目标|按照|对接|探索|实现|共建|为重点|为支撑|为抓手"
    r"|获批|获评|获得|入选|被授予|授予|被评为|评为|认定为|列入|就是|即是"
)
_LEAD_RE = re.compile(
    rf"^(?:(?:到|至|在|于)?(?:19|20)\d{{2}}年(?:底|前|内)?|今年|明年|十四五期间"
    rf"|[（(][一二三四五六七八九十\d]{{1,3}}[）)]|[一二三四五六七八九十]是"
    rf"|{'|'.join(map(re.escape, _LEAD_WORDS))})"
)
_GENERIC_STEMS = {
    "", "城市", "省级", "国家级", "市级", "县级", "国家", "小型", "中型", "大型", "大中型", "重点", "各类",
    "特色", "化工", "物流", "产业", "工业", "现代", "农业", "现代农业", "园区", "城区", "全市", "全区",
    "全县", "新建", "在建", "高速", "主要", "区域", "综合", "专业", "农业产业", "城乡", "森林", "湿地",
    "山地", "体育", "口袋", "社区", "乡村", "智慧", "生态", "主题", "文化", "遗址", "县城", "中心城区",
    "快速", "过境", "普速", "干线", "市域", "货运", "全国", "健身", "城市湿地", "城市双拥", "现代山地",
    "世界地质", "国家地质", "特色产业", "乡村产业", "国家级中药材", "文化创意", "新材料产业园特色",
    "精品", "田园", "旅游", "公园", "铁路", "铁路集装箱", "仓储物流", "国家水利风", "重点旅游",
}  # fmt: skip


# A listed item that already ends like a facility of its own is not a bare name.
_FACILITY_END_RE = re.compile(
    r"(?:[区园站馆港场镇乡村城期路社院所厅楼店]|基地|中心|项目|工程|街道|片区|大道|环线)$"
)
# A listed item that is already a reservoir of its own (后溪沟一库) keeps its name.
_OWN_RESERVOIR_RE = re.compile(r"[一二三四五六七八九十\d]库$")
# What may follow a head and shows it is a modifier, not a project (高铁路网, 公园体系).
_NOT_A_NAME_AFTER_RE = re.compile(
    r"(?:路?网|体系|体制|机制|管委会|筹备组|管理委员会|政策|办法|条例|发展联盟|联盟|协会|风貌"
    r"|总体规划|总规|控规|详细规划|规划编制)"
)
# Words that end a stem and leave the head standing alone (孵化器升级和高新区).
_DANGLING_END_RE = re.compile(r"[和与及的为等把对向]$")
_LEAD_WORD_SET = frozenset(_LEAD_WORDS)


def _in_title(text: str, pos: int) -> bool:
    """Whether ``pos`` lies inside a 《book title》 (a plan's name, not a project)."""
    opened = text.rfind("《", max(0, pos - 60), pos)
    return opened >= 0 and text.find("》", opened, pos) < 0


@dataclass(frozen=True)
class Mention:
    """One occurrence of a named project in the text.

    ``start``/``end`` cover the name as written (head included); ``category`` is
    the layer its head word belongs to; ``listed`` marks names that borrowed the
    head of a coordinated list, and for those ``head_end`` is where that shared
    head ends ("大竹至垫江、城口经宣汉至重庆高速": the item 大竹至垫江 ends before
    its head, which ends after 高速), so a quote can hold the whole name.
    """

    name: str
    category: str
    start: int
    end: int
    listed: bool = False
    head_end: int | None = None

    @property
    def written_end(self) -> int:
        """Where the name as written ends: its shared head's end for a listed item."""
        return self.end if self.head_end is None else max(self.end, self.head_end)


def strip_lead(name: str) -> tuple[str, int]:
    """Peel verbs, hedges and dates off the front of a name; return it and the cut."""
    cut = 0
    while True:
        m = _LEAD_RE.match(name[cut:])
        if not m or len(name) - cut - len(m.group(0)) < 2:
            return name[cut:], cut
        cut += len(m.group(0))


def _is_generic(stem: str) -> bool:
    if re.search(rf"[{_CN_NUM}]+\s*[个座条处家]", stem):
        return True  # a count (2个特色主题文化公园), not a name
    if re.match(r"^[\d.]+\s*[亿万千百]|[千百十]亿级|亿级", stem):
        return True  # a size class (100亿级工业园区), not a name
    if re.search(r"一批|的|[地得]$|^[地得]", stem):
        return True  # a descriptive phrase, not a name
    if len(re.findall(r"[\u4e00-\u9fff]", stem)) < 2:
        return True
    if re.match(r"(?:国家级|省级|市级|县级|区级)", stem):
        return True  # a rank (国家级绿色工业园区, 市级国防教育基地), not a name
    if re.search(r"[1-5]A|A{2,5}|A级", stem):
        return True  # a grade (国家5A级旅游景区), not a name
    if stem in _LEAD_WORD_SET or _DANGLING_END_RE.search(stem):
        return True  # only a verb or a linker in front: the head stands alone
    return stem in _GENERIC_STEMS or len(stem) < 2 or bool(re.fullmatch(r"[\d\s]+", stem))


def _list_items(text: str, end: int, floor: int, *, longest: int) -> list[tuple[int, int]]:
    """The names listed with 、/和/及 before ``end`` (left to right), down to ``floor``.

    An item may be at most ``longest`` characters: listed names are as short as the
    last one, so a long phrase before a 、 is a different kind of thing.
    """
    items: list[tuple[int, int]] = []
    cursor = end
    while cursor > floor and text[cursor - 1] in "、和及与":
        sep_end = cursor - 1
        m = _NAME_RUN_RE.search(text, floor, sep_end)
        if not m or m.end() != sep_end:
            break
        run_start, run = m.start(), m.group(0)
        joined = re.search(r"[及与和](?=[^及与和]+$)", run)
        opened = False
        if joined and _HEAD_RE.search(run[: joined.start()]):
            run_start, run = run_start + joined.end(), run[joined.end() :]
            opened = True  # 巴中至安康铁路及通江经宣汉至开州、…: the list starts after 及
        item, cut = strip_lead(run)
        if (
            _HEAD_RE.search(item)
            or _BARRIER_RE.search(item)
            or (_FACILITY_END_RE.search(item) and not _OWN_RESERVOIR_RE.search(item))
            or not 2 <= len(item) <= (12 if re.search("[至经—]", item) else longest)
            or item.count("(") + item.count("（") != item.count(")") + item.count("）")
        ):
            break
        items.insert(0, (run_start + cut, run_start + cut + len(item)))
        if cut or opened:
            break  # a verb opened this item: the list starts here
        cursor = run_start
    return items


def anchor_positions(text: str) -> list[int]:
    """Sorted offsets of every head word and road number: where a mention can end.

    A clause with no anchor has no mention, so a caller scanning thousands of
    clauses can skip most of them with a bisect instead of a regex scan each.
    """
    heads = [m.start() for m in _HEAD_RE.finditer(text)]
    roads = [m.start() for m in _ROAD_RE.finditer(text)]
    return sorted(heads + roads)


def find_mentions(text: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Every named project mention in ``text[start:end]``, in reading order."""
    end = len(text) if end is None else end
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for head in _HEAD_RE.finditer(text, start, end):
        category = _HEAD_CATEGORY[head.group(0)]
        if category == "highway" and text.startswith("铁路", head.end()):
            continue
        tail = _TAIL_RE.match(text[head.end() : end])
        name_end = head.end() + (len(tail.group(0)) if tail else 0)
        if (
            _NOT_A_NAME_AFTER_RE.match(text, name_end, end)
            or _COUNT_AFTER_RE.match(text, name_end, end)
            or _in_title(text, head.start())
        ):
            continue  # 高铁路网, 公园体系, 产业园1个, 《达州市城市公园体系规划》
        ahead = _FORWARD_RUN_RE.match(text, name_end, end)
        if ahead and _HEAD_RE.search(re.split(r"[等—－]", _BARRIER_RE.split(ahead.group(0))[0])[0]):
            continue  # the name goes on to a later head (达州高新区数字经济产业园)
        run = _NAME_RUN_RE.search(text, start, head.start())
        left = run.group(0) if run and run.end() == head.start() else ""
        barriers = list(_BARRIER_RE.finditer(left))
        if barriers:
            left = left[barriers[-1].end() :]
        chained = list(_CHAINED_RE.finditer(left))
        if chained:  # 经开区—新能源新材料产业园—巴州工业园: the last link is the name
            left = left[chained[-1].end() :]
        if left.count("”") > left.count("“"):
            continue  # the name opened inside a slogan cut at a verb (“绿水青山就是金山银山”基地)
        closed = left.rfind("”")
        if 0 <= closed < len(left) - 1 and strip_lead(left[closed + 1 :])[1]:
            left = left[closed + 1 :]  # “三轴多点”即以巴达高速: the slogan ends at its quote
        if left.count("“") > left.count("”"):
            left = left[left.rindex("“") + 1 :]  # 全国十佳“国家电子商务示范基地”: inside the quote
        for joint in reversed(list(re.finditer("[和及与]", left))):
            if _FACILITY_END_RE.search(left[: joint.start()]):
                left = left[joint.end() :]  # 易腾二期和秦巴电子信息产业园: two things
                break
        shared = _LIST_TAIL_RE.search(left)
        modifier = shared.group(0) if shared else ""
        bare = left[: len(left) - len(modifier)] if modifier else left
        if bare.count("(") + bare.count("（") > bare.count(")") + bare.count("）"):
            bare = re.split(r"[（(]", bare)[-1]
            left = bare + modifier
        elif bare.count(")") + bare.count("）") > bare.count("(") + bare.count("（"):
            bare = re.split(r"[)）]", bare)[-1]
            left = bare + modifier
        stem, cut = strip_lead(bare)
        name_start = head.start() - len(left) + cut
        if any(a < name_end and name_start < b for a, b in taken):
            continue
        head_text = text[head.start() : name_end]
        shared_words = ""
        if "等" in stem[1:]:  # 清江—大和、三江等道地药材现代农业产业园: 道地药材 is shared
            stem, shared_words = stem.rsplit("等", 1)
            modifier = modifier or "等"
        if modifier and (_HEAD_RE.search(stem[-9:]) or "项目" in stem[-4:]):
            continue  # 大柏树水库等41座小型水库: a summary after a named project
        formal = stem in {"国家", "国家级"} and len(head.group(0)) >= 6  # 国家高新技术产业开发区
        if _is_generic(stem) and not (modifier and stem and len(stem) >= 2) and not formal:
            continue
        if modifier and len(re.findall(r"[\u4e00-\u9fff]", stem)) < 2:
            continue  # “6+2+4”中型水库: a count, not a name
        shared_head = shared_words + head.group(0)
        name = stem + shared_words + head_text if modifier else text[name_start:name_end]
        own_stem = stem
        level = None if modifier else _SHARED_LEVEL_RE.search(stem)
        if level and len(stem) - len(level.group(0)) >= 2:
            own_stem = stem[: level.start()]
            shared_head = level.group(0) + shared_head
        expandable = bool(modifier) or len(own_stem) <= 6 or bool(re.search("[至—－]", stem))
        longest = max(len(own_stem) + 3, 6) if not modifier else 12
        listed_items = _list_items(text, name_start, start, longest=longest) if expandable else []
        for a, b in listed_items:
            own = category == "reservoir" and _OWN_RESERVOIR_RE.search(text[a:b])
            item_name = text[a:b] if own else text[a:b] + shared_head
            found.append(Mention(item_name, category, a, b, listed=True, head_end=name_end))
            taken.append((a, b))
        found.append(Mention(name, category, name_start, name_end))
        taken.append((name_start, name_end))
    for road in _ROAD_RE.finditer(text, start, end):
        if any(a <= road.start() < b for a, b in taken):
            continue
        tail = re.match(
            r"线?[\u4e00-\u9fff]{0,10}?(?:过境段|段|过境公路)(?:[一二三四五六七八九十]期(?:工程)?)?",
            text[road.end() : end],
        )
        name_end = road.end() + (len(tail.group(0)) if tail else 0)
        found.append(Mention(text[road.start() : name_end], "highway", road.start(), name_end))
        taken.append((road.start(), name_end))
    return sorted(found, key=lambda m: m.start)


# "建成红鱼洞、黄石盘大型水库, …, 加快高桥、兰草等项目前期工作": after a list that named
# its head, a list of bare names "等项目" in the same sentence continues it.
_ELLIPTICAL_RE = re.compile(
    r"(?P<items>[\u4e00-\u9fff]{2,4}(?:、[\u4e00-\u9fff]{2,4})+)等(?:项目|工程)"
)


def find_elliptical(text: str, start: int, end: int, *, after: Mention) -> list[Mention]:
    """Bare names listed "等项目" that continue an earlier list of the same sentence.

    ``after`` is the last listed mention of the sentence; its head word is lent to
    each bare name. Only short bare names qualify, and only after a list that named
    its head in the same sentence, so "加快道路、桥梁等项目" alone yields nothing.
    """
    head = _HEAD_RE.search(after.name)
    if head is None or not after.listed:
        return []
    head_word = after.name[head.start() :]
    found: list[Mention] = []
    for m in _ELLIPTICAL_RE.finditer(text, start, end):
        items_start = m.start("items")
        run = m.group("items")
        first, cut = strip_lead(run.split("、")[0])
        offset = items_start + cut
        for item in [first, *run.split("、")[1:]]:
            if _is_generic(item) or _FACILITY_END_RE.search(item) or item in _LEAD_WORD_SET:
                return []
            found.append(
                Mention(item + head_word, after.category, offset, offset + len(item), True)
            )
            offset += len(item) + 1
    return found
