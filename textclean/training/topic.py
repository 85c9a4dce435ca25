"""Train the topic model and off-topic combiner shipped in ``models/topic``.

    python -m textclean.training.topic --out models/topic [--shared ../shared]

Deterministic (seeded). Reads the labelled corpora under ``../shared``:

* THUCNews cnews (800 articles, split by article: ``topic`` articles train the
  topic model, ``combiner`` articles train the combiner on synthetic splices,
  ``eval`` articles are held out for ``benchmarks/offtopic_eval.py``);
* THUCNews titles 20k and FewCLUE TNEWS labelled headlines.

All three label sets map onto one common label map (:data:`LABEL_MAP`). Only
numeric arrays and JSON are written; nothing is pickled.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import platform
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "LABELS",
    "LABEL_MAP",
    "SEED",
    "Spliced",
    "load_articles",
    "split_articles",
    "make_doc",
    "train",
    "main",
]

logger = logging.getLogger(__name__)

SEED = 20240611
VERSION = "1.0.0"

#: the common label set and how each corpus's labels map onto it
LABELS = (
    "sports", "entertainment", "finance", "realty", "education", "tech", "game", "politics",
    "society", "home", "fashion", "car", "travel", "culture", "agriculture",
)
LABEL_MAP: dict[str, str] = {
    # THUCNews cnews (Chinese names)
    "体育": "sports", "娱乐": "entertainment", "财经": "finance", "房产": "realty", "教育": "education",
    "科技": "tech", "游戏": "game", "时政": "politics", "家居": "home", "时尚": "fashion",
    # THUCNews titles (class.txt)
    "finance": "finance", "realty": "realty", "stocks": "finance", "education": "education",
    "science": "tech", "society": "society", "politics": "politics", "sports": "sports",
    "game": "game", "entertainment": "entertainment",
    # TNEWS label_desc
    "news_story": "society", "news_culture": "culture", "news_entertainment": "entertainment",
    "news_sports": "sports", "news_finance": "finance", "news_house": "realty", "news_car": "car",
    "news_edu": "education", "news_tech": "tech", "news_military": "politics", "news_travel": "travel",
    "news_world": "politics", "news_stock": "finance", "news_agriculture": "agriculture", "news_game": "game",
}

_TERMINALS = "。！？!?"
N_EVAL_PER_LABEL = 16
N_COMB_PER_LABEL = 20
#: documents shorter than this are not judged (see coherence.DEFAULT_MIN_CHARS)
MIN_DOC_TOKENS = 150


# ------------------------------------------------------------------ corpora ---

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_articles(shared: Path) -> tuple[dict[int, list[str]], dict[int, str]]:
    """THUCNews cnews sentences grouped by article id, and each article's label."""
    sents: dict[int, list[str]] = defaultdict(list)
    label: dict[int, str] = {}
    path = shared / "data/corpora/thucnews_cnews_800docs/sentences.jsonl"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            sents[row["doc"]].append(row["text"])
            label[row["doc"]] = row["label"]
    return dict(sents), label


def split_articles(label: dict[int, str], seed: int = SEED) -> dict[str, list[int]]:
    """Per label, a seeded shuffle: eval / combiner / topic article ids."""
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = defaultdict(list)
    for doc, lab in sorted(label.items()):
        by_label[lab].append(doc)
    out: dict[str, list[int]] = {"eval": [], "combiner": [], "topic": []}
    for lab in sorted(by_label):
        ids = list(rng.permutation(by_label[lab]))
        out["eval"] += [int(i) for i in ids[:N_EVAL_PER_LABEL]]
        out["combiner"] += [int(i) for i in ids[N_EVAL_PER_LABEL : N_EVAL_PER_LABEL + N_COMB_PER_LABEL]]
        out["topic"] += [int(i) for i in ids[N_EVAL_PER_LABEL + N_COMB_PER_LABEL :]]
    return {k: sorted(v) for k, v in out.items()}


def _headlines(shared: Path) -> tuple[list[str], list[str], list[Path]]:
    texts: list[str] = []
    labels: list[str] = []
    used: list[Path] = []
    titles = shared / "data/corpora/thucnews_titles_20k"
    classes = (titles / "class.txt").read_text(encoding="utf-8").split()
    for name in ("dev.txt", "test.txt"):
        path = titles / name
        used.append(path)
        for line in path.read_text(encoding="utf-8").splitlines():
            text, _, idx = line.rpartition("\t")
            if text:
                texts.append(text)
                labels.append(LABEL_MAP[classes[int(idx)]])
    tnews = shared / "data/corpora/fewclue_tnews"
    for name in ("train_few_all.json", "dev_few_all.json", "test_public.json"):
        path = tnews / name
        used.append(path)
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(row["sentence"])
                labels.append(LABEL_MAP[row["label_desc"]])
    return texts, labels, used


def _featurize_texts(texts: list[str]):
    """One CSR row per text, through the run-time featuriser on the fold key."""
    from ..coherence import featurize
    from ..normalize import fold

    joined = "\n".join(texts)
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    return featurize(fold(joined), starts, starts + lengths)


# ----------------------------------------------------------- synthetic docs ---

@dataclass
class Spliced:
    """A synthetic document and which character spans are foreign."""

    text: str
    genuine: list[tuple[int, int]] = field(default_factory=list)
    foreign: list[tuple[int, int]] = field(default_factory=list)


def _ends(s: str) -> bool:
    return bool(s) and s.rstrip("”’」』)）")[-1:] in _TERMINALS


def make_doc(
    rng: np.random.Generator,
    host: list[str],
    donor: list[str] | None,
    *,
    mode: str = "inline",
    k: int = 1,
) -> Spliced:
    """Lay *host* sentences out as paragraphs (lines of 2-5 sentences) and
    splice *k* consecutive *donor* sentences in at a random sentence boundary.

    ``mode``: ``inline`` (inside a paragraph), ``line`` (their own line, like a
    pasted paragraph) or ``scatter`` (k single sentences at k places).
    """
    paras: list[list[tuple[str, bool]]] = []
    i = 0
    while i < len(host):
        n = int(rng.integers(2, 6))
        paras.append([(s, False) for s in host[i : i + n]])
        i += n
    if donor:
        good = [j for j, s in enumerate(donor) if _ends(s) and len(s) >= 15]
        if good:
            j0 = int(rng.choice(good))
            block = [s for s in donor[j0 : j0 + k] if _ends(s)] or [donor[j0]]
            if mode == "line":
                at = int(rng.integers(1, len(paras) + 1))
                paras.insert(at, [(s, True) for s in block])
            else:
                pieces = [block] if mode == "inline" else [[s] for s in block]
                for piece in pieces:
                    _insert_inline(rng, paras, piece)
    return _render(paras)


def _insert_inline(rng: np.random.Generator, paras: list[list[tuple[str, bool]]], piece: list[str]) -> None:
    # a boundary after a sentence that really ends (so segmentation can split there)
    spots = [(p, j) for p, para in enumerate(paras) if p > 0 for j in range(len(para) + 1)
             if j == 0 or _ends(para[j - 1][0])]
    if not spots:
        paras.append([(s, True) for s in piece])
        return
    p, j = spots[int(rng.integers(len(spots)))]
    paras[p][j:j] = [(s, True) for s in piece]


def _render(paras: list[list[tuple[str, bool]]]) -> Spliced:
    out = Spliced("")
    parts: list[str] = []
    pos = 0
    for n, para in enumerate(paras):
        if n:
            parts.append("\n")
            pos += 1
        for s, foreign in para:
            (out.foreign if foreign else out.genuine).append((pos, pos + len(s)))
            parts.append(s)
            pos += len(s)
    out.text = "".join(parts)
    return out


def _unit_labels(starts: np.ndarray, ends: np.ndarray, foreign: list[tuple[int, int]], size: int) -> np.ndarray:
    mark = np.zeros(size + 1, dtype=np.int64)
    for a, b in foreign:
        mark[a] += 1
        mark[b] -= 1
    covered = np.cumsum(mark)[:size] > 0
    cov = np.concatenate(([0], np.cumsum(covered)))
    inside = cov[ends] - cov[starts]
    return inside * 2 >= np.maximum(ends - starts, 1)


# ------------------------------------------------------------------- train ---

def _train_topic(X, y: list[str], seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    clf = LogisticRegression(C=4.0, max_iter=300, random_state=seed)
    clf.fit(normalize(X), y)
    return clf


def _combiner_rows(model, articles, label, ids, seed: int, n_variants: int = 8):
    """Features and labels of every eligible unit in synthetic splice docs."""
    from ..coherence import eligible_units, score_units
    from ..normalize import fold
    from ..segment import segment

    rng = np.random.default_rng(seed + 1)
    by_label: dict[str, list[int]] = defaultdict(list)
    for d in ids:
        by_label[label[d]].append(d)
    feats, ys = [], []
    for d in ids:
        host = articles[d]
        for v in range(n_variants):
            if v == 0:
                donor = None
            elif v == 1:
                same = [o for o in by_label[label[d]] if o != d]
                donor = articles[int(rng.choice(same))]
            else:
                other = [o for o in ids if label[o] != label[d]]
                donor = articles[int(rng.choice(other))]
            mode = ("inline", "line", "scatter")[int(rng.integers(3))]
            doc = make_doc(rng, host, donor, mode=mode, k=int(rng.integers(1, 4)))
            key = fold(doc.text)
            seg = segment(doc.text)
            res = score_units(doc.text, key, seg, model=model)
            if res.doc_tokens < MIN_DOC_TOKENS:
                continue
            s_ok, l_ok = eligible_units(key, seg, res.sentence_tokens)
            s_lab = _unit_labels(np.array([s.start for s in seg.sentences]), np.array([s.end for s in seg.sentences]),
                                 doc.foreign, len(doc.text))
            l_lab = _unit_labels(np.array([ln.start for ln in seg.lines]), np.array([ln.end for ln in seg.lines]),
                                 doc.foreign, len(doc.text))
            feats += [res.features_sentences[s_ok], res.features_lines[l_ok & (res.line_tokens >= 12)]]
            ys += [s_lab[s_ok], l_lab[l_ok & (res.line_tokens >= 12)]]
    return np.vstack(feats), np.concatenate(ys)


def train(shared: Path, out: Path, seed: int = SEED, cache: Path | None = None) -> dict:
    """Train, write ``weights.npz`` + ``card.json`` into *out*, return the card."""
    import scipy
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from ..coherence import FEATURE_NAMES, N_BITS, N_FEATURES, TopicModel

    t0 = time.time()
    articles, label = load_articles(shared)
    split = split_articles(label, seed)
    texts: list[str] = []
    ys: list[str] = []
    for d in split["topic"]:
        texts += articles[d]
        ys += [LABEL_MAP[label[d]]] * len(articles[d])
    h_texts, h_labels, used = _headlines(shared)
    texts += h_texts
    ys += h_labels
    X = _featurize_texts(texts)
    logger.info("topic training: %d texts, %d features, %.1fs", X.shape[0], X.nnz, time.time() - t0)
    if cache is not None and cache.exists():
        with np.load(cache, allow_pickle=False) as z:
            W, b = z["W"], z["b"]
    else:
        clf = _train_topic(X, ys, seed)
        classes = list(clf.classes_)
        order = [classes.index(lab) for lab in LABELS]
        # round through float16 now so the combiner sees exactly the shipped weights
        W = clf.coef_[order].T.astype(np.float16).astype(np.float32)
        b = clf.intercept_[order].astype(np.float64)
        if cache is not None:
            np.savez(cache, W=W, b=b)
    df = np.bincount(X.indices, minlength=N_FEATURES).astype(np.float64)
    idf = (np.log((X.shape[0] + 1) / (df + 1)) + 1).astype(np.float16).astype(np.float32)

    # topic accuracy on held-out eval articles' sentences
    ev_texts = [s for d in split["eval"] for s in articles[d]]
    ev_y = [LABEL_MAP[label[d]] for d in split["eval"] for _ in articles[d]]
    from sklearn.preprocessing import normalize

    pred = np.array(LABELS)[np.argmax(normalize(_featurize_texts(ev_texts)) @ W + b, axis=1)]
    sent_acc = float(np.mean(pred == np.array(ev_y)))

    nf = len(FEATURE_NAMES)
    blank = TopicModel(W, b, idf, np.zeros(nf), np.ones(nf), np.zeros(nf), 0.0, LABELS, {})
    F, yc = _combiner_rows(blank, articles, label, split["combiner"], seed)
    mean, scale = F.mean(axis=0), F.std(axis=0) + 1e-6
    comb = LogisticRegression(C=1.0, max_iter=1000, class_weight={0: 1.0, 1: 1.0})
    comb.fit((F - mean) / scale, yc)
    auc = float(roc_auc_score(yc, comb.decision_function((F - mean) / scale)))

    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / "weights.npz",
        W=W.astype(np.float16),
        b=b,
        idf=idf.astype(np.float16),
        comb_mean=mean,
        comb_scale=scale,
        comb_coef=comb.coef_[0].astype(np.float64),
        comb_intercept=np.float64(comb.intercept_[0]),
    )
    from ..coherence import FEATURE_NAMES

    sent_path = shared / "data/corpora/thucnews_cnews_800docs/sentences.jsonl"
    card = {
        "name": "textclean-topic",
        "version": VERSION,
        "task": "off-topic sentence detection (leave-one-out coherence)",
        "labels": list(LABELS),
        "label_map": LABEL_MAP,
        "featurizer": {"kind": "hashed token unigrams+bigrams on the fold key", "n_bits": N_BITS,
                       "tokens": "Han char | Latin word | digit run -> NUM", "hash": "splitmix64 (numpy)"},
        "combiner_features": list(FEATURE_NAMES),
        "combiner_coef": [round(float(c), 4) for c in comb.coef_[0]],
        "seed": seed,
        "training_inputs": {str(p.relative_to(shared)): _sha256(p) for p in [sent_path, *used]},
        "split": {"eval_doc_ids": split["eval"], "combiner_doc_ids": split["combiner"],
                  "topic_doc_count": len(split["topic"])},
        "counts": {"topic_texts": int(X.shape[0]),
                   "topic_label_counts": {lab: int(ys.count(lab)) for lab in LABELS},
                   "combiner_units": int(len(yc)), "combiner_positive": int(yc.sum())},
        "metrics": {"topic_sentence_accuracy_heldout": round(sent_acc, 4),
                    "combiner_auc_train": round(auc, 4)},
        "libraries": {"python": platform.python_version(), "numpy": np.__version__,
                      "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
        "train_seconds": round(time.time() - t0, 1),
    }
    (out / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return card


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m textclean.training.topic", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("models/topic"))
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--cache", type=Path, default=None, help="reuse topic weights saved here (development)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not (args.shared / "data/corpora").is_dir():
        print(f"no corpora under {args.shared}/data/corpora", file=sys.stderr)
        return 2
    card = train(args.shared, args.out, args.seed, args.cache)
    print(json.dumps(card["metrics"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
