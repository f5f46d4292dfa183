"""A full relate counts candidates and scores pairs for many articles at once on numpy arrays;
the incremental path does it one article at a time. Both must give the same state."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.index import build_index
from sitegen.relate import relate_with_state
from sitegen.slugs import slugify
from tests.unit.test_relate_incremental import START, edit, make_article


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), size=st.integers(60, 160), count=st.sampled_from([3, 8]))
def test_batched_candidates_and_scores_equal_one_at_a_time(
    seed: int, size: int, count: int
) -> None:
    rng = random.Random(seed)
    articles = [make_article(rng, n) for n in range(size)]
    for k in rng.sample(range(size), size // 5):  # links, shared URLs, other dates
        articles[k] = edit(rng, articles[k], articles[:k] + articles[k + 1 :])
    for k in rng.sample(range(1, size), size // 10):  # near-duplicates of an earlier article
        b = rng.randrange(k)
        base = articles[b] = replace(articles[b], published=START)
        title = base.title + " again"
        articles[k] = replace(
            base,
            title=title,
            slug=slugify(title),
            source=articles[k].source,
            url=articles[k].url,
            urls=articles[k].urls,
            url_keys=articles[k].url_keys,
            related=articles[k].related,
        )
    index, _ = build_index(articles)
    _, state = relate_with_state(index, count, None)
    batched = [
        (state.cands[i], state.scores[i], list(state.kept[i].items()), state.dups[i])
        for i in range(len(articles))
    ]
    state._derive_missing()  # the combined vectors, which the batched scores do without
    state._in_order = True  # as in a full relate: ids are positions
    for i in range(len(articles)):
        state._score(i)
        alone = (state.cands[i], state.scores[i], list(state.kept[i].items()), state.dups[i])
        assert alone == batched[i], i
    assert any(state.dups), "no near-duplicates: the test site needs some"
