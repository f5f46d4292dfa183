"""Incremental relate: after any sequence of added, edited and deleted articles, relating
from the previous state gives exactly the graph a full relate gives."""

from __future__ import annotations

import pickle
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.index import build_index
from sitegen.lazyentries import LazyDict
from sitegen.model import Article, Provider, RelatedLink, Topic
from sitegen.relate import RelateState, _rounded, relate, relate_with_state
from sitegen.slugs import slugify

START = datetime(2021, 3, 1, tzinfo=UTC)
# A small vocabulary and few topics: long posting lists (windows) and many near-duplicates.
VOCAB = [f"w{n}" for n in range(40)] + ["chip", "chips", "moon", "lander", "energy"]
TOPICS = ["AI", "Energy", "Space", "Chips", "Climate", "Health"]


def make_article(rng: random.Random, number: int) -> Article:
    title = " ".join(rng.choices(VOCAB[:20], k=rng.randint(3, 7))) + f" {number % 7}"
    topics = sorted(set(rng.choices(TOPICS[: rng.randint(1, 6)], k=rng.randint(0, 3))))
    if rng.random() < 0.9:  # one topic nearly everywhere: a posting list longer than a window
        topics.append("News")
    url = f"https://news.example/{number}"
    return Article(
        slug=slugify(title),
        source=Path(f"content/{number}.md"),
        title=title,
        title_line=2,
        excerpt=" ".join(rng.choices(VOCAB, k=rng.randint(0, 12))),
        published=rng.choice([None, START + timedelta(hours=rng.randint(0, 24 * 40))]),
        url=url,
        urls=(url,),
        provider=Provider("Example", "", slugify("Example")),
        topics=tuple(Topic(t, slugify(t)) for t in topics),
        images=(),
        related=(),
        quality=None,
        heat=None,
        category="news",
        kind="article",
        draft=False,
        body_html="",
    )


def edit(rng: random.Random, article: Article, others: list[Article]) -> Article:
    """One of the edits a writer makes: title, topics, excerpt, date, links, URLs."""
    kind = rng.randrange(7)
    if kind == 0:
        title = " ".join(rng.choices(VOCAB[:20], k=rng.randint(3, 7)))
        return replace(article, title=title, slug=slugify(title))
    if kind == 1:  # other spellings too: the index may show a topic under another name
        topics = sorted(set(rng.choices([*TOPICS, "ai", "ENERGY"], k=rng.randint(0, 3))))
        return replace(article, topics=tuple(Topic(t, slugify(t)) for t in topics))
    if kind == 2:
        return replace(article, excerpt=" ".join(rng.choices(VOCAB, k=rng.randint(0, 12))))
    if kind == 3:
        return replace(article, published=START + timedelta(hours=rng.randint(0, 24 * 40)))
    # Links go to a few articles, so links both ways are common.
    other = rng.choice(others[:6])
    if kind == 4:  # link another article by URL, or something off the site
        url = rng.choice([other.url, "https://elsewhere.example/x"])
        entry = RelatedLink(other.title, url, (url,), None, None)
        return replace(article, related=(*article.related, entry))
    if kind == 5:  # link another by title only
        entry = RelatedLink(other.title, "", (), None, None)
        return replace(article, related=(entry,))
    return replace(article, urls=(article.url, other.url))  # the same report: one story


def site_of(articles: dict[int, Article]) -> tuple[Article, ...]:
    index, _ = build_index(list(articles.values()))
    return index.articles


@settings(max_examples=25, deadline=None)
# 83 round apart:
@example(seed=0, size=82, count=3, steps=[("a", 0), ("d", 0)], saved=False, warm=False)
@given(
    seed=st.integers(0, 10**6),
    size=st.integers(80, 120),
    count=st.sampled_from([3, 8]),
    steps=st.lists(st.tuples(st.sampled_from("aeeeed"), st.integers(0, 10**6)), max_size=6),
    saved=st.booleans(),
    warm=st.booleans(),
)
def test_incremental_relate_equals_a_full_relate(
    seed: int, size: int, count: int, steps: list[tuple[str, int]], saved: bool, warm: bool
) -> None:
    """``saved``: the state is saved and loaded between builds (the CLI), so nothing of the
    last process is known (the very articles, who links to what). ``warm``: what the next
    update makes first is made after each relate (as serve's first build does)."""
    rng = random.Random(seed)
    articles = {n: make_article(rng, n) for n in range(size)}
    index, _ = build_index(list(articles.values()))
    graph, state = relate_with_state(index, count, None)
    for op, step_seed in steps:
        if saved:
            state = pickle.loads(pickle.dumps(state))
        if warm:
            state.warm()
        step = random.Random(step_seed)
        if op == "a":
            number = max(articles) + 1
            articles[number] = make_article(step, number)
        elif op == "d" and len(articles) > 2:
            del articles[step.choice(sorted(articles))]
        else:
            for _ in range(step.randint(1, 3)):
                number = step.choice(sorted(articles))
                others = [a for n, a in sorted(articles.items()) if n != number]
                articles[number] = edit(step, articles[number], others)
        index, _ = build_index(list(articles.values()))
        # Every weight changes when the rounded article count does: only then a full relate.
        same_weights = _rounded(len(index.articles)) == state.n_rounded
        graph, new_state = relate_with_state(index, count, state)
        assert (new_state is state) == same_weights  # the incremental path whenever it can
        state = new_state
        assert graph == relate(index, count)


def test_a_state_for_another_count_is_not_used() -> None:
    rng = random.Random(1)
    index, _ = build_index([make_article(rng, n) for n in range(30)])
    _, state = relate_with_state(index, 8, None)
    graph, other = relate_with_state(index, 3, state)
    assert other is not state
    assert graph == relate(index, 3)


def test_an_unchanged_site_reuses_the_state() -> None:
    rng = random.Random(2)
    index, _ = build_index([make_article(rng, n) for n in range(40)])
    graph, state = relate_with_state(index, 8, None)
    again, same = relate_with_state(index, 8, state)
    assert same is state
    assert again == graph
    assert isinstance(state, RelateState)


def test_a_saved_and_loaded_state_relates_like_the_original() -> None:
    rng = random.Random(3)
    articles = {n: make_article(rng, n) for n in range(100)}
    index, _ = build_index(list(articles.values()))
    _, state = relate_with_state(index, 8, None)
    loaded = pickle.loads(pickle.dumps(state))
    assert loaded.__dict__.keys() == state.__dict__.keys()
    # Both make the combined vectors when needed: the same ones.
    state._derived(range(len(state.combined)))
    loaded._derived(range(len(loaded.combined)))
    assert loaded.combined == state.combined and loaded.query == state.query
    loaded = pickle.loads(pickle.dumps(state))
    # Loading made none: an edit makes those of the articles it scores again.
    assert loaded.combined == [None] * len(state.combined)
    for number in (3, 50, 99):
        articles[number] = edit(rng, articles[number], list(articles.values())[:6])
    index, _ = build_index(list(articles.values()))
    graph, again = relate_with_state(index, 8, loaded)
    assert again is loaded  # incremental
    assert graph == relate(index, 8)


def test_a_loaded_state_reads_only_the_posting_lists_an_update_needs() -> None:
    """The CLI's every edit loads the state: its posting lists stay their saved bytes until
    read, an update reads those of the keys it works on, and the lists it never read are
    saved again as the very bytes loaded."""
    rng = random.Random(5)
    articles = {n: make_article(rng, n) for n in range(200)}
    for n, a in articles.items():  # words of their own: most keys are no edit's business
        articles[n] = replace(a, excerpt=f"{a.excerpt} own{n}word own{n}term")
    index, _ = build_index(list(articles.values()))
    _, state = relate_with_state(index, 8, None)
    loaded = pickle.loads(pickle.dumps(state))
    postings = loaded.postings
    assert type(postings) is LazyDict and not postings._read  # none read on loading
    saved = postings.saved()
    articles[7] = edit(rng, articles[7], list(articles.values())[:6])
    index, _ = build_index(list(articles.values()))
    graph, again = relate_with_state(index, 8, loaded)
    assert again is loaded and graph == relate(index, 8)
    read = postings._read.keys()
    assert 0 < len(read) < len(postings)  # (10,000 articles: 87 of 10,265 after a title edit)
    after = loaded.__getstate__()["postings"]
    assert all(after[key] is saved[key] for key in after.keys() - read)
