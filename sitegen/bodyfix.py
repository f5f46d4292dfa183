"""Valid HTML from a sanitized body: what an article page may keep of a feed's Markdown body.

nh3 makes a body safe, but a safe fragment can still be invalid HTML: a stray ``<li>`` outside
a list, a ``<div>`` inside an ``<em>``, ``colspan="0"``, an obsolete ``<center>``, a link
whose URL holds ``<`` or ``{``. Browsers cope; validators and screen readers do not. This module
holds the body's allowlist (no obsolete elements or attributes, none that need a partner
element or attribute the feed may not give) and mends nh3's output: an element in a place its
content model forbids is unwrapped (its content kept), content a list or a definition list
cannot hold directly is wrapped in an item, and a picture without alt text gets an empty one.
"""

from __future__ import annotations

import re

# Elements a body may keep: phrasing and flow content with plain content models. Left out:
# obsolete elements (acronym, center, strike, tt), landmarks inside an article (nav, header,
# footer, aside, article), and elements that are only valid with a partner the feed may not
# give (details without summary, bdo without dir, data without value, time without a valid
# date, hgroup without a heading, image maps).
BODY_TAGS = frozenset(
    {"a", "abbr", "b", "bdi", "blockquote", "br", "caption", "cite", "code", "col"}
    | {"colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "figcaption", "figure"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark"}
    | {"ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong"}
    | {"sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var"}
    | {"wbr"}
)
# Attributes a body may keep: none obsolete (align, char, size...), none that must point at
# something on the page (headers), no dates that must parse (datetime).
BODY_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite"},
    "ins": {"cite"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "abbr": {"title"},
    "dfn": {"title"},
}

# Attribute values HTML restricts, as patterns of what is valid.
_VALID_VALUE = {
    "width": re.compile(r"[0-9]{1,5}"),
    "height": re.compile(r"[0-9]{1,5}"),
    "colspan": re.compile(r"[1-9][0-9]{0,2}"),
    "rowspan": re.compile(r"[0-9]{1,4}"),
    "span": re.compile(r"[1-9][0-9]{0,2}"),
    "start": re.compile(r"-?[0-9]{1,9}"),
    "scope": re.compile(r"row|col|rowgroup|colgroup"),
}


def valid_attribute_value(attribute: str, value: str) -> bool:
    """Whether ``value`` is one HTML allows for ``attribute`` (URLs are checked elsewhere)."""
    pattern = _VALID_VALUE.get(attribute)
    return pattern is None or pattern.fullmatch(value) is not None


# ASCII characters a URL may not hold as they are; an existing %XX escape is kept.
_URL_NEEDS_ESCAPE = re.compile(r'[\x00-\x20"<>\[\\\]^`{|}\x7f]|%(?![0-9A-Fa-f]{2})')


def escape_url(url: str) -> str:
    """``url`` with the characters a URL may not hold percent-encoded, leaving the host
    alone (an IPv6 host is written in brackets)."""
    if not _URL_NEEDS_ESCAPE.search(url):
        return url
    scheme, sep, rest = url.partition("://")
    if not sep:
        return _URL_NEEDS_ESCAPE.sub(_percent, url)
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    return f"{scheme}://{rest[:cut]}{_URL_NEEDS_ESCAPE.sub(_percent, rest[cut:])}"


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode())


# -- structure -------------------------------------------------------------------------------

# Where an element may stand, by its parent (the nearest element kept around it, looking
# through transparent ones): elements not listed may stand wherever flow content may.
_PARENTS = {
    "li": {"ul", "ol"},
    "dt": {"dl"},
    "dd": {"dl"},
    "figcaption": {"figure"},
    "rt": {"ruby"},
    "rp": {"ruby"},
    "caption": {"table"},
    "colgroup": {"table"},
    "thead": {"table"},
    "tbody": {"table"},
    "tfoot": {"table"},
    "tr": {"table", "thead", "tbody", "tfoot"},
    "td": {"tr"},
    "th": {"tr"},
    "col": {"colgroup", "table"},
}
# Elements that hold only phrasing content, and the flow-only elements they cannot hold.
_PHRASING_ONLY = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "em", "strong", "b", "i", "u", "s"}
    | {"small", "mark", "code", "kbd", "samp", "var", "sub", "sup", "abbr", "dfn", "cite"}
    | {"q", "bdi", "span", "ruby", "rt", "rp"}
)
_FLOW_ONLY = frozenset(
    {"blockquote", "div", "dl", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol"}
    | {"p", "pre", "table", "ul"}
)
# Transparent elements take their parent's content model.
_TRANSPARENT = frozenset({"a", "ins", "del"})
# Containers whose children must be items: anything else in them is wrapped in one.
_ITEM_OF = {"ul": "li", "ol": "li", "dl": "dd"}
_ITEMS = {"ul": {"li"}, "ol": {"li"}, "dl": {"dt", "dd"}}
_VOID = frozenset({"br", "col", "hr", "img", "wbr"})

# A tag as nh3 writes it (lower case, every attribute as name="value", "<" in text as &lt;).
_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:\s[\w:-]+(?:="[^"]*")?)*)\s*/?>')
_HAS_ALT = re.compile(r'\salt="')


class _Open:
    """An element open at this point of the walk: kept or unwrapped, or an item this walk
    opened to hold the element above it (closed with it)."""

    __slots__ = ("added", "kept", "name")

    def __init__(self, name: str, kept: bool, added: bool = False) -> None:
        self.name = name
        self.kept = kept
        self.added = added


# A fragment plainly valid as it is, as Markdown's usual output comes out of nh3: at the top,
# text, paragraphs, headings, preformatted text, lists whose items hold phrasing or
# paragraphs, quotes holding paragraphs, rules; in those, text and phrasing elements that may
# stand anywhere phrasing may, nested any way (no image, which may lack its alt text). Tags
# are read as _TAG reads them. Matched in one pass, with no backtracking.
_FREE_PHRASING = (
    "a|abbr|b|bdi|br|cite|code|del|dfn|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup"
    "|u|var|wbr"
)
_ATTRIBUTES = r'(?:\s[\w:-]+(?:="[^"]*")?)*+\s*+/?'
_PHRASING = rf"(?:[^<]++|</?(?:{_FREE_PHRASING})(?![a-z0-9]){_ATTRIBUTES}>)*+"
_PARAGRAPH = rf"<p>{_PHRASING}</p>"
_ITEM = rf"<li>(?:{_PHRASING}</li>|(?:\s*+{_PARAGRAPH})++\s*+</li>)"
# (An element holding only phrasing is closed by its own end tag, the first one to come.)
_PLAINLY_VALID = (
    rf"(?:[^<]++|<(?:p|h[1-6]|pre)>{_PHRASING}</(?:p|h[1-6]|pre)>"
    rf"|<(?:ul|ol){_ATTRIBUTES}>(?:\s++|{_ITEM})*+</(?:ul|ol)>"
    rf"|<blockquote>(?:\s++|{_PARAGRAPH})*+</blockquote>|<hr>)*+"
)


# The check, compiled by prepare(): compiling it takes about as long as walking a hundred
# bodies, so only a build that reads many files has it (an edit's walks its few bodies).
_QUICK_CHECK: list[re.Pattern[str]] = []


def prepare() -> None:
    """Compile the quick check of plainly valid fragments, for a build of many bodies."""
    if not _QUICK_CHECK:
        _QUICK_CHECK.append(re.compile(_PLAINLY_VALID))


def fix_structure(fragment: str) -> str:
    """nh3's output with every element where its content model allows it (see the module's
    docstring); valid fragments come back unchanged.

    ``fragment`` is nh3's output, a serialized tree: each end tag closes the element opened
    last, which the quick check of plainly valid fragments takes for granted."""
    if "<" not in fragment or (_QUICK_CHECK and _QUICK_CHECK[0].fullmatch(fragment)):
        return fragment
    return _mend(fragment)


def _mend(fragment: str) -> str:
    """fix_structure's walk over every tag."""
    out: list[str] = []
    stack: list[_Open] = []
    at = 0
    for match in _TAG.finditer(fragment):
        _text(fragment[at : match.start()], stack, out)
        at = match.end()
        closing, name, attributes = match.groups()
        if closing:
            _end(name, stack, out)
            continue
        parent = _parent(stack)
        if not _may_stand(name, parent):
            if name not in _VOID:
                stack.append(_Open(name, kept=False))
            continue
        tag = match.group()
        if name == "img" and not _HAS_ALT.search(attributes):
            tag = f'<img{attributes} alt="">'
        item = _item_around(name, parent)
        if item and name in _VOID:
            out.append(f"<{item}>{tag}</{item}>")
            continue
        if item:
            out.append(f"<{item}>")
            stack.append(_Open(item, kept=True, added=True))
        out.append(tag)
        if name not in _VOID:
            stack.append(_Open(name, kept=True))
    _text(fragment[at:], stack, out)
    while stack:  # nh3 closes every element; this only guards against a cut fragment
        _close(stack.pop(), out)
    return "".join(out)


def _parent(stack: list[_Open]) -> str:
    """The content model in force: the nearest kept element, through transparent ones."""
    for element in reversed(stack):
        if element.kept and element.name not in _TRANSPARENT:
            return element.name
    return ""


def _may_stand(name: str, parent: str) -> bool:
    parents = _PARENTS.get(name)
    if parents is not None:
        return parent in parents
    return not (name in _FLOW_ONLY and parent in _PHRASING_ONLY)


def _item_around(name: str, parent: str) -> str:
    """The item to open around ``name`` when ``parent`` holds only items, else ""."""
    items = _ITEMS.get(parent)
    return _ITEM_OF[parent] if items is not None and name not in items else ""


def _text(text: str, stack: list[_Open], out: list[str]) -> None:
    if not text:
        return
    item = "" if text.isspace() else _ITEM_OF.get(_parent(stack), "")
    out.append(f"<{item}>{text}</{item}>" if item else text)


def _end(name: str, stack: list[_Open], out: list[str]) -> None:
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth].name == name and not stack[depth].added:
            while len(stack) > depth:
                _close(stack.pop(), out)
            if stack and stack[-1].added:  # the item opened to hold this element
                _close(stack.pop(), out)
            return
    # an end tag with no start tag: nh3 never writes one, and it is dropped


def _close(element: _Open, out: list[str]) -> None:
    if element.kept:
        out.append(f"</{element.name}>")
