"""The HTML escaping of every ``{{ value }}`` in the templates, made cheaper.

With autoescape on, Jinja runs ``markupsafe.escape`` on every value a template prints:
~160 times per page. MarkupSafe 3 made ``escape`` a Python function that builds each result
through ``Markup.__new__`` (also Python), so the wrapper cost several times the escaping
itself. ``escape`` here gives the same string for every input, with the common cases (a
``str``, an already safe ``Markup``, an ``int`` or a ``float``) done in one C call.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

import markupsafe
from markupsafe import Markup

_escape_inner: Callable[[str], str] | None
try:  # MarkupSafe 3's C escaping of a str; older versions do everything in C already
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - depends on the MarkupSafe version and build
    _escape_inner = None

_new = str.__new__  # a Markup without running Markup.__new__ (which only unwraps __html__)


def _fast_escape(s: Any) -> Markup:
    """``markupsafe.escape(s)``, the same string, faster for str, Markup, int and float."""
    kind = type(s)
    if kind is str:
        return _new(Markup, _inner(s))
    if kind is Markup:
        return s  # type: ignore[no-any-return]  # escape copies it: Markup(s.__html__())
    if kind is int or kind is float:
        # Digits, a sign, a point, an exponent, inf or nan need no escaping (the graph
        # page's topic map prints ~4,000 coordinates).
        return _new(Markup, str(s))
    return markupsafe.escape(s)


_inner: Callable[[str], str] = _escape_inner or str
# The escaped text of a str, as a str (None without MarkupSafe's C escaping): the compiled
# templates call it for a printed str (see sitegen.jinjacode).
escape_str: Callable[[str], str] | None = _escape_inner
escape = _fast_escape if _escape_inner is not None else markupsafe.escape


def patch_template_namespace(namespace: MutableMapping[str, Any]) -> None:
    """Make a compiled template's ``{{ }}`` output use ``escape`` (Jinja's generated code
    looks the name up in the template's module namespace)."""
    if "escape" in namespace:
        namespace["escape"] = escape
