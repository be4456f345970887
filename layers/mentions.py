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

from layers.names import CN_NUM as _CN_NUM
from layers.names import LEAD_WORD_SET as _LEAD_WORD_SET
from layers.names import Candidate, contains_place, proper_part, rejection, strip_lead
from layers.placenames import PlaceIndex

__all__ = ["HEADS", "Mention", "anchor_positions", "find_elliptical", "find_mentions", "strip_lead"]

# Head words per layer, longest first so 高速公路 wins over 高速.
HEADS: dict[str, tuple[str, ...]] = {
    "railway": (
        "高速铁路", "城际铁路", "市域铁路", "货运铁路", "轨道交通", "铁路", "高铁", "城际",
        "地铁", "轻轨", "轨道", "城轨快线", "城轨", "市域快线",
    ),
    "highway": ("高速公路", "高速通道", "高速"),
    "reservoir": ("水库",),
    "park": ("公园",),
    "industrial_zone": (
        "高新技术产业开发区", "高新技术产业示范区", "经济技术开发区", "经济开发区", "产业开发区",
        "产业园区", "示范园区", "工业园区", "物流园区", "化工园区", "加工园区", "产业园", "工业园",
        "物流园", "高新区", "经开区",
    ),
    "other": (
        "通用机场", "运输机场", "机场", "客运站", "货运站", "集装箱场站", "货运站场", "场站", "货场",
        "无水港", "物流枢纽", "景区", "集装箱基地", "物流基地",
    ),
}  # fmt: skip
_HEAD_CATEGORY = {h: c for c, hs in HEADS.items() for h in hs}
# 城轨 must not take the first half of 轨道交通 (巴城轨道交通).
_HEAD_RE = re.compile(
    "|".join(sorted(map(re.escape, _HEAD_CATEGORY), key=len, reverse=True)).replace(
        "城轨|", "城轨(?!道)|"
    )
)
# Heads so often used for a class of thing (示范园区) that only a place in the stem makes
# a name of them: 川渝合作(达州·大竹)示范园区, not 数字经济发展示范园区.
_WEAK_HEADS = frozenset({"示范园区"})
_CHAINED_RE = re.compile(rf"(?:{_HEAD_RE.pattern})[—－]")
# A numbered national or provincial road, as plans write it (G245, s202, 国道350, 省道209).
_ROAD_RE = re.compile(r"(?<![A-Za-z0-9])(?:[GSgs]\d{2,4}|(?:国道|省道)\s*\d{2,4})(?![0-9])")
# Urban-rail words that name a line only with its number or name after them (地铁1号线,
# 城轨快线璧铜线); alone they are a mode of transport (轨道上的都市区).
_LINE_ONLY_HEADS = frozenset({"地铁", "轻轨", "轨道", "城轨快线", "城轨", "市域快线"})
_LINE_TAIL_RE = re.compile(
    r"^(?:[0-9一二三四五六七八九十]{1,3}号线|[\u4e00-\u9fff]{2,3}?线(?![路网])(?!\S号))"
    r"(?:[（(]?[一二三四五六七八九十]期(?:工程)?[）)]?)?"
)

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
    r"|[0-9一二三四五六七八九十]{1,3}号线(?:[（(]?[一二三四五六七八九十]期(?:工程)?[）)]?)?"
    r"|(?:技改)?扩能改造(?:项目|工程)?|技改扩能|扩能|扩容(?:改造)?|改扩建|复线|二线"
    r"|(?:城区|[东西南北])?连接线|(?!互联)[\u4e00-\u9fff]{2,4}?互通(?:立交)?"
    r"|[\u4e00-\u9fff]{2,4}?(?<![阶地路])段)"
)
# A tail that holds a verb or a linker is a predicate, not a section (铁路建设阶段).
_TAIL_STOP_RE = re.compile(r"建|推进|加快|完成|实施|为|和|及|与|等|在|的|是")
# Quantifiers and size words between the listed names and their shared head.
_LIST_TAIL_RE = re.compile(
    rf"(?:等)?(?:[{_CN_NUM}]+\s*[座个条处家])?(?:大中型|大型|中型|小型|重点|骨干)?$"
)
# A level and kind shared by a list and kept in each name: "恩阳优质粮油+猪、通江食用菌
# 省级现代农业产业园区" names 通江食用菌省级现代农业产业园区.
_SHARED_LEVEL_RE = re.compile(r"(?:国家级|省级|市级)(?:现代农业|农业)?$")
# A kind of park shared by a list and kept in each name: "青岩、白沙遗址公园" names
# 青岩遗址公园 and 白沙遗址公园.
_SHARED_KIND_RE = re.compile(
    r"(?:国家|城市)?(?:考古遗址|遗址|湿地|森林|地质|郊野|矿山|农业|体育|文化|生态|运动)$"
)
# A count right after the head: "创建国家现代农业产业园1个" is a target, not a name.
_COUNT_AFTER_RE = re.compile(rf"\s*[{_CN_NUM}]+\s*[个座条处家]")
# A head joined to the next name by 和/及/与 closes a name (两河水库和石花水库).
_JOINED_RE = re.compile(r"[和及与]")
_HEAD_END_RE = re.compile(
    rf"(?:{_HEAD_RE.pattern})(?:扩容|扩能改造|扩能|[一二三四五六七八九十]期|[东西南北]段)?$"
)
# Stems that only say where (沿江水库): a name only when listed beside named siblings.
_POSITIONAL_STEM_RE = re.compile(r"(?:沿江|沿河|沿湖|滨江|滨河|滨湖|环湖|沿山|沿线|沿途)")
# After 等, words that make the listed items examples of a class (甲、乙等一批休闲公园).
_CATEGORY_EXAMPLES_RE = re.compile(r"一批|一些|若干|多个|多座|多条|各类|系列")
# What may follow a road number inside its name: a section, a link road, a named road.
_ROAD_TAIL_RE = re.compile(
    r"线?(?:[\u4e00-\u9fff]{0,12}?(?:过境段|段|过境公路|连接线|公路|互通(?:立交)?))?"
    r"(?:[一二三四五六七八九十]期(?:工程)?)?(?:扩能改造|扩容|改扩建)?"
)
# Verbs that cannot sit inside a name: a run is cut after the last one.
_BARRIER_RE = re.compile(
    r"建成|开工|通车|建设|推进|加快|完成|启动|力争(?!取)|实施|打造|争取|依托|规划|达到|形成|创建|争创|培育|提升"
    r"|纳入|融入|开展|编制|谋划|构建|作为|为目标|按照|对接|探索|实现|共建|为重点|为支撑|为抓手"
    r"|获批|获评|获得|入选|被授予|授予|被评为|评为|认定为|列入|就是|即是|入列|跻身|落户|开通"
)
# A verb's 了 goes with it (开通了西渝高铁): the name starts after both.
_BARRIER_RE = re.compile(rf"(?:{_BARRIER_RE.pattern})了?")


# A listed item that already ends like a facility of its own is not a bare name.
_FACILITY_END_RE = re.compile(
    r"(?:[区园站馆港场镇乡村城期路社院所厅楼店]|基地|中心|项目|工程|街道|片区|大道|环线)$"
)
# A listed item that is already a reservoir of its own (后溪沟一库) keeps its name.
_OWN_RESERVOIR_RE = re.compile(r"[一二三四五六七八九十\d]库$")
# What may follow a head and shows it is a modifier, not a project (高铁路网, 公园体系).
# A train service, a view or an environment is not the line, park or reservoir itself
# (西商城际列车, 3公里公园景观, 三峡水库生态环境安全, 跨省城际公交).
_NOT_A_NAME_AFTER_RE = re.compile(
    r"(?:路?网|体系|体制|机制|管委会|筹备组|管理委员会|政策|办法|条例|发展联盟|联盟|协会|风貌"
    r"|总体规划|总规|控规|详细规划|规划编制|名单|列车|班列|动车|公交|客运|景观"
    r"|生态环境|水环境|水质|消落带|库区|移民)"
)


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


def closes_listed_item(text: str, start: int, end: int, *, floor: int = 0) -> bool:
    """Whether the word at ``text[start:end]`` follows a head word (公路, 水库, 产业园…,
    read back no further than ``floor``) and is followed by 和/及/与: it belongs to the
    item before, not to the name after it (…高速公路建设和D)."""
    return (
        _JOINED_RE.match(text, end) is not None
        and _HEAD_END_RE.search(text, max(floor, start - 16), start) is not None
    )


def anchor_positions(text: str) -> list[int]:
    """Sorted offsets of every head word and road number: where a mention can end.

    A clause with no anchor has no mention, so a caller scanning thousands of
    clauses can skip most of them with a bisect instead of a regex scan each.
    """
    heads = [m.start() for m in _HEAD_RE.finditer(text)]
    roads = [m.start() for m in _ROAD_RE.finditer(text)]
    return sorted(heads + roads)


def find_mentions(
    text: str,
    start: int = 0,
    end: int | None = None,
    *,
    explain: list[Candidate] | None = None,
    places: PlaceIndex | None = None,
) -> list[Mention]:
    """Every named project mention in ``text[start:end]``, in reading order.

    Parameters
    ----------
    explain
        When given, every head word looked at is appended to it as a
        :class:`layers.names.Candidate`, kept or dropped, with the reason (the
        command line's ``--explain``); collecting costs time, so it is off by default.
    places
        The place index, only to say which place makes a kept name proper.
    """
    end = len(text) if end is None else end
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def drop(at: int, to: int, category: str, reason: str) -> None:
        if explain is not None:
            explain.append(Candidate(text[at:to], category, at, to, False, reason))

    def listed_beside(at: int) -> bool:
        return (at > 0 and text[at - 1] == "、") or text.startswith("、", name_end)

    def keep(mention: Mention, stem: str) -> None:
        found.append(mention)
        taken.append((mention.start, mention.end))
        if explain is not None:
            reason = proper_part(stem, places=places)
            if mention.listed:
                reason += ", listed before a shared head"
            explain.append(
                Candidate(mention.name, mention.category, mention.start, mention.end, True, reason)
            )

    for head in _HEAD_RE.finditer(text, start, end):
        word = head.group(0)
        category = _HEAD_CATEGORY[word]
        if category == "highway" and text.startswith("铁路", head.end()):
            continue
        line = _LINE_TAIL_RE.match(text[head.end() : end]) if word in _LINE_ONLY_HEADS else None
        if word in _LINE_ONLY_HEADS and line is None:
            drop(head.start(), head.end(), category, "urban-rail word with no line number or name")
            continue
        tail = line or _TAIL_RE.match(text[head.end() : end])
        tail_text = tail.group(0) if tail else ""
        if tail_text and line is None and _TAIL_STOP_RE.search(tail_text):
            tail_text = ""  # 铁路建设阶段: a predicate, not a section
        name_end = head.end() + len(tail_text)
        modifier_after = _NOT_A_NAME_AFTER_RE.match(text, name_end, end)
        if modifier_after or _in_title(text, head.start()):
            where = (
                f"modifier of {modifier_after.group(0)}" if modifier_after else "in a book title"
            )
            drop(head.start(), name_end, category, where)
            continue  # 高铁路网, 公园体系, 西商城际列车, 《达州市城市公园体系规划》
        ahead = _FORWARD_RUN_RE.match(text, name_end, end)
        if ahead and _HEAD_RE.search(
            re.split(r"[等—－和及与]", _BARRIER_RE.split(ahead.group(0))[0])[0]
        ):
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
            drop(head.start() - len(left), name_end, category, "inside a slogan")
            continue  # the name opened inside a slogan cut at a verb (“绿水青山就是金山银山”基地)
        closed = left.rfind("”")
        if 0 <= closed < len(left) - 1 and strip_lead(left[closed + 1 :])[1]:
            left = left[closed + 1 :]  # “三轴多点”即以巴达高速: the slogan ends at its quote
        if left.count("“") > left.count("”"):
            left = left[left.rindex("“") + 1 :]  # 全国十佳“国家电子商务示范基地”: inside the quote
        for joint in reversed(list(_JOINED_RE.finditer(left))):
            before = left[: joint.start()]
            if _FACILITY_END_RE.search(before) or _HEAD_END_RE.search(before):
                left = left[joint.end() :]  # 易腾二期和秦巴…产业园, 两河水库和石花水库: two
                break
        if _COUNT_AFTER_RE.match(text, name_end, end) and not left.endswith("等"):
            drop(head.start() - len(left), name_end, category, "a count after the head")
            continue  # 创建国家现代农业产业园1个 (but 渝遂、铜安等高速公路7条 lists names)
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
            if _CATEGORY_EXAMPLES_RE.match(shared_words):
                drop(name_start, name_end, category, "examples of a category (等一批…)")
                continue  # 甲、乙等一批休闲公园: the items need not be parks
        if modifier and (_HEAD_RE.search(stem[-9:]) or "项目" in stem[-4:]):
            drop(name_start, name_end, category, "a summary after a named project")
            continue  # 大柏树水库等41座小型水库: a summary after a named project
        formal = stem in {"国家", "国家级"} and len(word) >= 6  # 国家高新技术产业开发区
        why: str | None = rejection(stem)
        if why is None and _POSITIONAL_STEM_RE.fullmatch(stem) and not listed_beside(name_start):
            why = f"a position, not a name ({stem})"  # 沿江水库; but 甲园、沿江产业园、乙园
        if why is None and stem.endswith("在") and not contains_place(stem, places):
            why = "a preposition before the head (在产业园区: in the parks)"  # but 通江春在工业园
        if line is not None:
            why = None  # 地铁1号线, 城轨快线璧铜线: the line's number or name is proper
        elif why is None and word in _WEAK_HEADS and not contains_place(stem, places):
            why = f"no place before {word}"
        if why and not (modifier and stem and len(stem) >= 2) and not formal:
            drop(name_start, name_end, category, why)
            continue
        if modifier and len(re.findall(r"[\u4e00-\u9fff]", stem)) < 2:
            drop(name_start, name_end, category, "a count, not a name")
            continue  # “6+2+4”中型水库: a count, not a name
        shared_head = shared_words + word
        name = stem + shared_words + head_text if modifier else text[name_start:name_end]
        own_stem = stem
        level = None if modifier else _SHARED_LEVEL_RE.search(stem)
        if level is None and not modifier and category == "park":
            level = _SHARED_KIND_RE.search(stem)
        if level and len(stem) - len(level.group(0)) >= 2:
            own_stem = stem[: level.start()]
            shared_head = level.group(0) + shared_head
        expandable = bool(modifier) or len(own_stem) <= 6 or bool(re.search("[至—－]", stem))
        longest = max(len(own_stem) + 3, 6) if not modifier else 12
        listed_items = _list_items(text, name_start, start, longest=longest) if expandable else []
        for a, b in listed_items:
            own = category == "reservoir" and _OWN_RESERVOIR_RE.search(text[a:b])
            item_name = text[a:b] if own else text[a:b] + shared_head
            keep(Mention(item_name, category, a, b, listed=True, head_end=name_end), text[a:b])
        keep(Mention(name, category, name_start, name_end), stem or head_text)
    for road in _ROAD_RE.finditer(text, start, end):
        if any(a <= road.start() < b for a, b in taken):
            continue
        tail = _ROAD_TAIL_RE.match(text, road.end(), end)
        tail_text = tail.group(0) if tail else ""
        if _TAIL_STOP_RE.search(tail_text) or _BARRIER_RE.search(tail_text):
            tail_text = ""  # G210改建为二级公路: the road alone
        name_end = road.end() + len(tail_text)
        keep(Mention(text[road.start() : name_end], "highway", road.start(), name_end), road[0])
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
            if rejection(item) or _FACILITY_END_RE.search(item) or item in _LEAD_WORD_SET:
                return []
            found.append(
                Mention(item + head_word, after.category, offset, offset + len(item), True)
            )
            offset += len(item) + 1
    return found
