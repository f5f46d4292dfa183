"""Generate a synthetic digest corpus for benchmarks: deterministic for a given N and seed.

    python benchmarks/corpus.py N SEED OUTDIR

Distributions are chosen to look like a real news feed: a few topics and providers carry most
of the articles (Zipf), about half of the related entries point at other generated articles
(by one of their URL variants), 30% of digests have a Markdown body, some titles are not
ASCII, a few carry mojibake or HTML, and about 1% are drafts.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = [
    "energy",
    "machines",
    "learn",
    "power",
    "hungry",
    "climate",
    "chips",
    "market",
    "battery",
    "solar",
    "wind",
    "grid",
    "storage",
    "privacy",
    "security",
    "cloud",
    "data",
    "model",
    "network",
    "quantum",
    "rocket",
    "satellite",
    "vaccine",
    "genome",
    "ocean",
    "forest",
    "carbon",
    "election",
    "court",
    "policy",
    "bank",
    "inflation",
    "trade",
    "supply",
    "factory",
    "city",
    "transit",
    "robot",
    "drone",
    "camera",
    "phone",
    "startup",
    "funding",
    "layoffs",
    "merger",
    "tariff",
    "drought",
    "flood",
    "heatwave",
    "research",
    "study",
    "report",
    "warning",
    "record",
    "growth",
    "decline",
    "crisis",
    "deal",
    "launch",
    "ban",
    "rule",
    "test",
]
FOREIGN = [
    "Łódź",
    "Zürich",
    "São Paulo",
    "München",
    "Kraków",
    "Málaga",
    "Göteborg",
    "Île-de-France",
    "東京",
    "北京",
    "Москва",
    "Αθήνα",
    "Datenschützer",
    "Gesichtserkennung",
    "énergie",
    "été",
    "naïve",
    "Curaçao",
    "Reykjavík",
    "Québec",
    "Straße",
    "Español",
    "Ünal",
    "Øresund",
]
TOPIC_STEMS = [
    "AI",
    "Climate",
    "Semiconductors",
    "Electric Vehicles",
    "Privacy",
    "Cybersecurity",
    "Space",
    "Health",
    "Energy",
    "Finance",
    "Crypto",
    "Robotics",
    "Biotech",
    "Policy",
    "Elections",
    "Transport",
    "Agriculture",
    "Oceans",
    "Weather",
    "Startups",
    "Telecom",
    "Quantum Computing",
    "Batteries",
    "Solar",
    "Wind Power",
    "Nuclear",
    "Water",
    "Cities",
    "Education",
    "Gaming",
    "Media",
    "Retail",
    "Supply Chain",
    "Trade",
    "Labor",
    "Housing",
    "Sports",
    "Science",
]
TOPIC_QUALIFIERS = ["", "Ethics", "Policy", "Research", "Markets", "in Europe", "in Asia"]
TLDS = ["com", "org", "net", "co.uk", "de", "fr", "io", "news"]


@dataclass
class Item:
    index: int
    title: str
    slug: str
    provider: tuple[str, str]
    published: datetime
    url: str


def zipf_picker(n: int, s: float, rng: random.Random) -> object:
    """A function drawing 0..n-1 with probability proportional to 1/(k+1)^s."""
    cumulative = list(itertools.accumulate(1.0 / (k + 1) ** s for k in range(n)))
    total = cumulative[-1]
    return lambda: bisect.bisect_left(cumulative, rng.random() * total)


def make_topics() -> list[str]:
    topics = [f"{stem} {q}".strip() for q in TOPIC_QUALIFIERS for stem in TOPIC_STEMS]
    return topics  # ~270 names, the plain stems first: they are the popular ones


def make_providers(rng: random.Random, count: int) -> list[tuple[str, str]]:
    providers = []
    for i in range(count):
        a, b = rng.sample(WORDS, 2)
        domain = f"{a}{b}{i}.{rng.choice(TLDS)}"
        name = domain if i % 7 == 0 else f"The {a.title()} {b.title()} {i}"
        providers.append((name, domain))
    return providers


def title_for(rng: random.Random, i: int) -> str:
    words = rng.sample(WORDS, rng.randint(5, 11))
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words)), rng.choice(FOREIGN))
    title = " ".join(words).capitalize() + f" {i}"
    roll = rng.random()
    if roll < 0.02:
        title = title.replace(" ", " â€“ ", 1)  # mojibake the feed sometimes sends
    elif roll < 0.03:
        title = f"<b>{title}</b>"
    return title


def yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def url_variants(item: Item) -> dict[str, str]:
    host = item.url.split("/")[2]
    amp = item.url + "?AMP"
    path = amp[len("https://" + host) :]
    cdn = f"https://{host.replace('.', '-')}.cdn.ampproject.org/c/s/{host}{path}"
    return {"webUrl": item.url, "ampWebUrl": amp, "cdnAmpWebUrl": cdn}


def markdown_body(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(2, 4)):
        sentence = " ".join(rng.choices(WORDS, k=rng.randint(20, 45)))
        paragraphs.append(sentence.capitalize() + ".")
    bullets = "\n".join(f"- {' '.join(rng.sample(WORDS, 4))}" for _ in range(3))
    link = f"[the report](https://example.org/report/{rng.randint(1, 10**6)})"
    return (
        f"{paragraphs[0]}\n\n### What happened\n\n{bullets}\n\n"
        + "\n\n".join(paragraphs[1:])
        + f"\n\nSee *{link}* for details.\n"
    )


def digest(
    item: Item,
    items: list[Item],
    topics: list[str],
    rng: random.Random,
    pick_topic: object,
    providers: list[tuple[str, str]],
) -> str:
    lines = ["---", "category: news", f"title: {yaml_str(item.title)}"]
    excerpt = " ".join(rng.choices(WORDS, k=rng.randint(15, 35))).capitalize() + "."
    lines.append(f"excerpt: {yaml_str(excerpt)}")
    lines.append(f"publishedDateTime: {item.published:%Y-%m-%dT%H:%M:%SZ}")
    variants = url_variants(item)
    lines.append(f"originalUrl: {yaml_str(item.url)}")
    lines += [f"{k}: {yaml_str(v)}" for k, v in variants.items()]
    lines += ["type: article", f"quality: {rng.randint(30, 95)}", f"heat: {rng.randint(-1, 5000)}"]
    lines.append(f"published: {'false' if rng.random() < 0.01 else 'true'}")
    lines += ["provider:", f"  name: {yaml_str(item.provider[0])}", f"  domain: {item.provider[1]}"]
    chosen = list(dict.fromkeys(topics[pick_topic()] for _ in range(rng.randint(1, 4))))  # type: ignore[operator]
    if rng.random() < 0.05:
        chosen[0] = chosen[0].lower()  # feeds vary the spelling; sitegen merges them
    lines.append("topics:")
    lines += [f"  - {yaml_str(t)}" for t in chosen]
    lines += [
        "images:",
        f'  - url: "https://img.{item.provider[1]}/{item.index}.jpg"',
        "    width: 1200",
        "    height: 675",
        "    isCached: true",
    ]
    related = []
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        if rng.random() < 0.5 and len(items) > 1:
            other = items[rng.randrange(len(items))]
            if other.index == item.index:
                continue
            key, url = rng.choice(list(url_variants(other).items()))
            related.append((other.title, key, url, other.provider, other.published))
        else:
            name, domain = providers[rng.randrange(len(providers))]
            title = " ".join(rng.sample(WORDS, 7)).capitalize()
            url = f"https://{domain}/story/{rng.randint(1, 10**7)}"
            when = item.published - timedelta(hours=rng.randint(1, 72))
            related.append((title, "webUrl", url, (name, domain), when))
    if related:
        lines.append("related:")
        for title, key, url, (pname, pdomain), when in related:
            lines += [
                f"  - title: {yaml_str(title)}",
                f"    {key}: {yaml_str(url)}",
                f"    publishedDateTime: {when:%Y-%m-%dT%H:%M:%SZ}",
                "    type: article",
                "    provider:",
                f"      name: {yaml_str(pname)}",
                f"      domain: {pdomain}",
            ]
    lines.append(f'secured: "{rng.getrandbits(256):064x}"')
    lines.append("---")
    body = markdown_body(rng) if rng.random() < 0.3 else ""
    return "\n".join(lines) + "\n" + body


def generate(n: int, seed: int, out: Path) -> int:
    """Write ``n`` digests under ``out`` (replacing it); returns the number of bytes written."""
    rng = random.Random(seed)
    topics = make_topics()
    providers = make_providers(rng, max(20, n // 25))
    pick_topic = zipf_picker(len(topics), 1.1, rng)
    pick_provider = zipf_picker(len(providers), 0.9, rng)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    items = []
    for i in range(n):
        title = title_for(rng, i)
        slug = "-".join(w for w in title.lower().split() if w.isascii() and w.isalnum())[:60]
        provider = providers[pick_provider()]  # type: ignore[operator]
        published = start + timedelta(minutes=rng.randint(0, 6 * 365 * 24 * 60))
        url = f"https://www.{provider[1]}/news/{published:%Y/%m}/{slug}-{i}.html"
        items.append(Item(i, title, slug, provider, published, url))
    if out.exists():
        shutil.rmtree(out)
    total = 0
    for item in items:
        path = (
            out / f"{item.published:%Y}" / f"{item.published:%m}" / f"{item.slug}-{item.index}.md"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        data = digest(item, items, topics, rng, pick_topic, providers).encode("utf-8")
        path.write_bytes(data)
        total += len(data)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of digests")
    parser.add_argument("seed", type=int, help="random seed: same N and seed, same files")
    parser.add_argument("outdir", type=Path, help="folder to (re)create")
    args = parser.parse_args()
    total = generate(args.n, args.seed, args.outdir)
    print(f"wrote {args.n} digests ({total / 1e6:.1f} MB) to {args.outdir}")


if __name__ == "__main__":
    main()
