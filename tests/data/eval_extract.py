#!/usr/bin/env python3
"""Score extracted project records against gold records (shared/spec/ANNOTATION.md).

Usage:
    eval_extract.py --gold GOLD.jsonl --pred PRED.jsonl [--docs 000,001] [--json]

Both files hold one JSON record per line. Predicted records of documents that have
no gold records are ignored. Only the five map layers are scored
(highway, railway, reservoir, park, industrial_zone); `other` is ignored.

Matching, per document and category, one-to-one and greedy by similarity:
a predicted record matches a gold record when any name or alias of one equals,
contains, or is contained in any name or alias of the other (after
normalisation), or their character-bigram Dice similarity is >= 0.6.

Reported: precision, recall and F1 over matched pairs (micro, and per category);
on matched pairs, the share with the same status, the same target_year, and the
same name (equal to the gold name or an alias after normalisation).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict

LAYERS = ("highway", "railway", "reservoir", "park", "industrial_zone")
_DROP = re.compile(r"[\s()（）“”\"'《》〈〉·、,，。;；:：—\-－~～]")
_SUFFIX = re.compile(r"(高速公路|高速|铁路|高铁|项目|工程|建设)$")


def norm(name: str) -> str:
    s = unicodedata.normalize("NFKC", name or "")
    s = _DROP.sub("", s)
    return s


def names(rec: dict) -> list[str]:
    out = [norm(rec.get("name", ""))] + [norm(a) for a in rec.get("aliases") or []]
    out += [_SUFFIX.sub("", n) for n in list(out)]
    return [n for n in dict.fromkeys(out) if len(n) >= 2]


def bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def similarity(a: dict, b: dict) -> float:
    best = 0.0
    for x in names(a):
        for y in names(b):
            if x == y:
                return 1.0
            if x in y or y in x:
                best = max(best, 0.9)
                continue
            bx, by = bigrams(x), bigrams(y)
            best = max(best, 2 * len(bx & by) / (len(bx) + len(by)))
    return best


def load(path: str, docs: set[str] | None) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                sys.exit(f"{path}:{n}: not JSON ({exc})")
            if rec.get("category") not in LAYERS:
                continue
            if docs and str(rec.get("doc")) not in docs:
                continue
            out.append(rec)
    return out


def score(gold: list[dict], pred: list[dict]) -> dict:
    by_key: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    for g in gold:
        by_key[(str(g["doc"]), g["category"])][0].append(g)
    for p in pred:
        by_key[(str(p.get("doc")), p["category"])][1].append(p)
    per_cat = {c: {"tp": 0, "gold": 0, "pred": 0} for c in LAYERS}
    status_ok = year_ok = exact = 0
    pairs, misses, spurious = [], [], []
    for (doc, cat), (gs, ps) in by_key.items():
        per_cat[cat]["gold"] += len(gs)
        per_cat[cat]["pred"] += len(ps)
        cand = sorted(
            ((similarity(g, p), i, j) for i, g in enumerate(gs) for j, p in enumerate(ps)),
            reverse=True,
        )
        used_g, used_p = set(), set()
        for sim, i, j in cand:
            if sim < 0.6 or i in used_g or j in used_p:
                continue
            used_g.add(i)
            used_p.add(j)
            g, p = gs[i], ps[j]
            per_cat[cat]["tp"] += 1
            status_ok += g.get("status") == p.get("status")
            year_ok += g.get("target_year") == p.get("target_year")
            exact += bool(set(names(g)) & set(names(p)))
            pairs.append((doc, cat, g["name"], p.get("name")))
        misses += [(doc, cat, gs[i]["name"]) for i in range(len(gs)) if i not in used_g]
        spurious += [(doc, cat, ps[j].get("name")) for j in range(len(ps)) if j not in used_p]
    tp = sum(v["tp"] for v in per_cat.values())
    ng = sum(v["gold"] for v in per_cat.values())
    npred = sum(v["pred"] for v in per_cat.values())

    def prf(t: int, g: int, p: int) -> dict:
        pr = t / p if p else 0.0
        rc = t / g if g else 0.0
        f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
        return {"precision": round(pr, 3), "recall": round(rc, 3), "f1": round(f1, 3)}

    return {
        "micro": prf(tp, ng, npred) | {"gold": ng, "pred": npred, "matched": tp},
        "per_category": {c: prf(v["tp"], v["gold"], v["pred"]) | v for c, v in per_cat.items()},
        "status_accuracy": round(status_ok / tp, 3) if tp else 0.0,
        "target_year_accuracy": round(year_ok / tp, 3) if tp else 0.0,
        "exact_name_rate": round(exact / tp, 3) if tp else 0.0,
        "misses": misses,
        "spurious": spurious,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--gold", required=True)
    ap.add_argument("--pred", required=True)
    ap.add_argument("--docs", help="comma-separated doc ids to score (default: all)")
    ap.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = ap.parse_args()
    docs = set(args.docs.split(",")) if args.docs else None
    gold = load(args.gold, docs)
    gold_docs = {str(g["doc"]) for g in gold}
    pred = [p for p in load(args.pred, docs) if str(p.get("doc")) in gold_docs]
    res = score(gold, pred)
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
        return
    for cat, v in res["per_category"].items():
        print(
            f"{cat:16} P {v['precision']:.2f}  R {v['recall']:.2f}  F1 {v['f1']:.2f}  (gold {v['gold']}, pred {v['pred']})"
        )
    for doc, cat, name in res["misses"]:
        print(f"  missed   [{doc}] {cat}: {name}")
    for doc, cat, name in res["spurious"]:
        print(f"  spurious [{doc}] {cat}: {name}")
    m = res["micro"]
    print(
        f"status accuracy {res['status_accuracy']:.2f}  target_year accuracy {res['target_year_accuracy']:.2f}"
        f"  exact-name rate {res['exact_name_rate']:.2f}"
    )
    print(f"micro P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}")


if __name__ == "__main__":
    main()
