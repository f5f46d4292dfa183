"""sitemap.xml is valid against the sitemaps.org 0.9 schema and lists every page once."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SUB_BASE_URL
from lxml import etree

XSD = Path(__file__).resolve().parent.parent / "data" / "sitemap.xsd"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def test_the_sitemap_is_valid_against_the_schema(sub_site, schema):
    config, _ = sub_site
    doc = etree.parse(str(config.path("output_dir") / "sitemap.xml"))
    schema.assertValid(doc)


def test_the_schema_rejects_a_broken_sitemap(schema):
    bad = etree.fromstring(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://example.org/</loc><lastmod>yesterday</lastmod></url></urlset>"
    )
    assert not schema.validate(bad)


def test_the_sitemap_lists_every_page_but_the_404_once(sub_site):
    config, result = sub_site
    doc = etree.parse(str(config.path("output_dir") / "sitemap.xml"))
    locs = [e.text for e in doc.findall("s:url/s:loc", NS)]
    pages = [
        SUB_BASE_URL + path.removesuffix("index.html")
        for path in result.made
        if path.endswith(".html") and path != "404.html"
    ]
    assert sorted(locs) == sorted(pages)
    assert SUB_BASE_URL + "404.html" not in locs


def test_lastmod_is_the_article_date_or_the_newest_on_a_listing(sub_site):
    config, result = sub_site
    doc = etree.parse(str(config.path("output_dir") / "sitemap.xml"))
    lastmod = {
        e.findtext("s:loc", namespaces=NS): e.findtext("s:lastmod", namespaces=NS)
        for e in doc.findall("s:url", NS)
    }
    articles = result.index.articles
    newest = articles[0]
    assert lastmod[SUB_BASE_URL] == newest.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    for article in articles:
        when = lastmod[f"{SUB_BASE_URL}articles/{article.slug}/"]
        expected = article.published.strftime("%Y-%m-%dT%H:%M:%SZ") if article.published else None
        assert when == expected
    for slug, topic in result.index.topics.items():
        dates = [a.published for a in topic.articles[: config.page_size] if a.published]
        expected = max(dates).strftime("%Y-%m-%dT%H:%M:%SZ") if dates else None
        assert lastmod[f"{SUB_BASE_URL}topics/{slug}/"] == expected


def test_robots_txt_points_to_the_sitemap(sub_site):
    config, _ = sub_site
    robots = (config.path("output_dir") / "robots.txt").read_text()
    assert f"Sitemap: {SUB_BASE_URL}sitemap.xml" in robots.splitlines()


def test_without_a_base_url_there_is_no_sitemap_and_the_build_says_so(root_site):
    config, result = root_site
    output = config.path("output_dir")
    assert not (output / "sitemap.xml").exists()
    assert "Sitemap:" not in (output / "robots.txt").read_text()
    assert any("sitemap" in note for note in result.notes)


def test_a_site_over_the_url_limit_gets_a_sitemap_index(tmp_path, schema, monkeypatch):
    from conftest import build_sample

    from sitegen import sitemap

    monkeypatch.setattr(sitemap, "MAX_URLS", 25)  # the sample site has about 90 pages
    config, result = build_sample(tmp_path / "out", base_url=SUB_BASE_URL, search=False)
    output = config.path("output_dir")
    index_schema = etree.XMLSchema(etree.parse(str(XSD.with_name("siteindex.xsd"))))
    index = etree.parse(str(output / "sitemap.xml"))
    index_schema.assertValid(index)
    parts = [e.text for e in index.findall("s:sitemap/s:loc", NS)]
    assert len(parts) >= 3
    locs = []
    for number, loc in enumerate(parts, start=1):
        assert loc == f"{SUB_BASE_URL}sitemap-{number}.xml"
        doc = etree.parse(str(output / f"sitemap-{number}.xml"))
        schema.assertValid(doc)
        found = [e.text for e in doc.findall("s:url/s:loc", NS)]
        assert 0 < len(found) <= 25
        locs.extend(found)
    pages = [
        SUB_BASE_URL + path.removesuffix("index.html")
        for path in result.made
        if path.endswith(".html") and path != "404.html"
    ]
    assert sorted(locs) == sorted(pages) and len(set(locs)) == len(locs)
    robots = (output / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {SUB_BASE_URL}sitemap.xml" in robots
