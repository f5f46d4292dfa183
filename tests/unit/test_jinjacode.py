"""The joining code generator renders exactly what Jinja's own does, in fewer pieces."""

from __future__ import annotations

import traceback
from types import SimpleNamespace

import jinja2
import markupsafe
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.jinjacode import quick_join, use_joining_code

TEMPLATES = {
    "base.html": (
        "<title>{% block title %}Site{% endblock %}</title>\n"
        "{% set heading %}{{ self.title() }}!{% endset %}<h1>{{ heading }}</h1>\n"
        "{% block body %}{% endblock %}\n"
        "{% for n in range(3) %}{% block looped scoped %}[{{ n }}]{% endblock %}{% endfor %}\n"
        "{% include 'part.html' %}|{% include 'part.html' without context %}"
        "|{% include 'missing.html' ignore missing %}|{% include ['nope.html', 'part.html'] %}"
    ),
    "part.html": "<p>{{ who | default('nobody') }} & {{ '<b>' }}</p>",
    "page.html": (
        "{% extends 'base.html' %}\n"
        "{% macro tag(x) %}<i>{{ x }}</i>{{ caller() if caller else '' }}{% endmacro %}\n"
        "{% block title %}{{ title }} · {{ super() }}{% endblock %}\n"
        "{% block body %}{% set who = 'me' %}"
        "{% for item in items %}{{ loop.index }}:{{ item }}{% if not loop.last %}, {% endif %}"
        "{% else %}none{% endfor %}\n"
        "{{ tag(title) }}{% call tag('c') %}inner {{ who }}{% endcall %}"
        "{% filter upper %}shout {{ title }}{% endfilter %}\n"
        "{% include 'part.html' %}{% endblock %}"
    ),
    "plain.html": "a{{ x }}b{{ y }}c\n{% if x %}d{{ x }}e{% endif %}",
}


def _env(joining: bool, autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.DictLoader(TEMPLATES), autoescape=autoescape, trim_blocks=True
    )
    if joining:
        use_joining_code(env)
    return env


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("name", ["page.html", "base.html", "plain.html"])
def test_renders_what_jinja_renders(name: str, autoescape: bool) -> None:
    context = {"title": "<T>", "items": ["a", "<b>"], "x": "&", "y": 2, "who": "you"}
    expected = _env(False, autoescape).get_template(name).render(context)
    assert _env(True, autoescape).get_template(name).render(context) == expected


def test_a_run_of_text_and_values_is_one_piece() -> None:
    template = _env(True, True).get_template("plain.html")
    pieces = list(template.root_render_func(template.new_context({"x": "&", "y": 2})))
    assert pieces == ["a&amp;b2c\nd&amp;e"]  # (the if's output too: see the test below)


def test_an_include_is_passed_up_as_one_piece() -> None:
    env = _env(True, True)
    env.loader = jinja2.DictLoader({**TEMPLATES, "outer.html": "{% include 'part.html' %}"})
    template = env.get_template("outer.html")
    assert list(template.root_render_func(template.new_context({"who": "me"}))) == [
        "<p>me & &lt;b&gt;</p>"
    ]


def test_an_include_that_made_a_long_text_past_ascii_passes_its_pieces_on() -> None:
    # (One wide character makes a joined text two bytes a character, encoded one by one.)
    from sitegen.jinjacode import WIDE_INCLUDE

    templates = {
        "outer.html": "<{% include 'each.html' %}>",
        "each.html": "{% for text in texts %}{{ text }}{% endfor %}",
    }
    joining = _env(True, True)
    joining.loader = jinja2.DictLoader(templates)
    plain = _env(False, True)
    plain.loader = jinja2.DictLoader(templates)
    long = "a" * WIDE_INCLUDE
    template = joining.get_template("outer.html")

    def pieces(texts: list[str]) -> list[str]:
        made = list(template.root_render_func(template.new_context({"texts": texts})))
        assert "".join(made) == plain.get_template("outer.html").render(texts=texts)
        return made

    assert pieces(["“x”", "y"]) == ["<", "“x”y", ">"]  # short: joined
    assert pieces([long, "b"]) == ["<", long + "b", ">"]  # all ASCII: joined
    assert pieces([long, "“x”"]) == ["<", long + "“x”", ">"]  # joined, once
    assert pieces([long, "“x”"]) == ["<", long, "“x”", ">"]  # then apart
    assert pieces(["a", "b"]) == ["<", "a", "b", ">"]


def test_a_function_sets_up_only_what_it_uses_and_renders_what_jinja_renders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sitegen import jinjacode

    templates = {
        **TEMPLATES,
        "setup.html": "{% for n in range(2) %}{{ n }}{% endfor %}{{ 'a' if x }}{{ x }}",
        "loops.html": (
            "{% for n in range(2) %}{% set m = n %}{{ m }}{% endfor %}"
            "{% for n in range(2) %}{{ n }}{% endfor %}"
        ),
        # (A text holding the setup's words: kept as it is, and the setup with it.)
        "text.html": "{{ x }}\nresolve = context.resolve_or_missing\n _loop_vars = {}\n",
    }
    made = {}
    for joining in (False, True):
        env = _env(joining, True)
        env.loader = jinja2.DictLoader(templates)
        made[joining] = {
            name: env.get_template(name).render(title="<T>", items=["a"], x="&", y=2)
            for name in templates
        }
    assert made[True] == made[False]
    code = _env(True, True).compile(templates["setup.html"], "setup.html", raw=True)
    assert "resolve = context.resolve_or_missing" not in code
    assert "_loop_vars = {}" not in code
    assert "cond_expr_undefined = Undefined" in code  # ({{ 'a' if x }} needs it)
    monkeypatch.setattr(jinjacode, "without_unused_setup", lambda code: code)
    whole = _env(True, True).compile(templates["setup.html"], "setup.html", raw=True)
    assert "resolve = context.resolve_or_missing" in whole
    assert code.count("\n") == whole.count("\n")  # every line at its number


def test_a_blocks_runs_and_includes_are_passed_up_as_they_are() -> None:
    # (Pages are encoded piece by piece: a block joined first would be one wide string.)
    env = _env(True, True)
    env.loader = jinja2.DictLoader(
        {
            **TEMPLATES,
            "layout.html": "<{% block b %}{% endblock %}>",
            "child.html": (
                "{% extends 'layout.html' %}{% block b %}a{{ x }}{% include 'part.html' %}"
                "“{{ x }}”{% endblock %}"
            ),
        }
    )
    template = env.get_template("child.html")
    pieces = list(template.root_render_func(template.new_context({"x": 1, "who": "me"})))
    assert pieces == ["<", "a1", "<p>me & &lt;b&gt;</p>", "“1”", ">"]


def _failing_frames(joining: bool) -> list[tuple[str, int | None]]:
    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {"boom.html": "ok {{ a }}\n\n{{ x.y.z }}", "outer.html": "{% include 'boom.html' %}"}
        ),
        undefined=jinja2.StrictUndefined,
    )
    if joining:
        use_joining_code(env)
    with pytest.raises(jinja2.UndefinedError) as failure:
        env.get_template("outer.html").render(x={}, a=1)
    frames = traceback.extract_tb(failure.value.__traceback__)
    return [(f.filename, f.lineno) for f in frames if f.filename == "<template>"]


def test_an_error_is_reported_at_the_same_template_lines() -> None:
    assert _failing_frames(True) == _failing_frames(False) == [("<template>", 1), ("<template>", 3)]


def test_a_jinja_without_the_compiler_parts_it_calls_gets_its_own_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jinja2.compiler import CodeGenerator

    from sitegen import jinjacode

    # as if a later Jinja had renamed one of them
    monkeypatch.setattr(jinjacode, "_JINJA_INTERNALS", (*jinjacode._JINJA_INTERNALS, "_gone"))
    jinjacode.code_generator_class.cache_clear()
    try:
        assert jinjacode.code_generator_class() is CodeGenerator
        env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES))
        use_joining_code(env)
        assert env.get_template("plain.html").render(x=1, y=2) == "a1b2c\nd1e"
    finally:
        jinjacode.code_generator_class.cache_clear()


def test_a_jinja_without_the_name_lookup_it_inlines_gets_its_own_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import jinja2.idtracking
    from jinja2.compiler import CodeGenerator

    from sitegen import jinjacode

    # as if a later Jinja had moved the symbol loads the inline name lookup reads
    monkeypatch.delattr(jinja2.idtracking, "VAR_LOAD_RESOLVE")
    jinjacode.code_generator_class.cache_clear()
    try:
        assert jinjacode.code_generator_class() is CodeGenerator
    finally:
        jinjacode.code_generator_class.cache_clear()


class _Item:
    """An object with attributes, one a property that fails as a missing one does."""

    title = "<b>it</b>"

    @property
    def broken(self) -> str:
        raise AttributeError("broken")


def test_values_reached_by_attribute_or_item_print_what_jinja_prints() -> None:
    source = (
        "{{ o.title }}|{{ d.key }}|{{ d.items is defined }}|{{ d['key'] }}|{{ o.nope }}|"
        "{{ o.broken }}|{{ n.real }}|{{ m }}|{{ m.upper() }}|{{ l.0 }}|{{ d.get('key').x }}"
    )
    context = {
        "o": _Item(),
        "d": {"key": "<k>"},
        "n": 5,
        "m": markupsafe.Markup("<i>safe</i>"),
        "l": ["<first>"],
    }
    for autoescape in (True, False):
        plain = jinja2.Environment(autoescape=autoescape)
        ours = jinja2.Environment(autoescape=autoescape)
        use_joining_code(ours)
        rendered = ours.from_string(source).render(context)
        assert rendered == plain.from_string(source).render(context)
        assert "&lt;b&gt;it&lt;/b&gt;|&lt;k&gt;" in rendered or not autoescape


def test_a_missing_attribute_is_still_an_error_with_strict_undefined() -> None:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    use_joining_code(env)
    with pytest.raises(jinja2.UndefinedError, match="has no attribute 'nope'"):
        env.from_string("{{ o.nope }}").render(o=_Item())
    with pytest.raises(jinja2.UndefinedError, match="'x' is undefined"):
        env.from_string("{{ x.y }}").render()


def test_contexts_made_the_faster_way_see_what_jinjas_see() -> None:
    from sitegen.jinjacode import context_class, new_context

    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES))
    env.globals.update(site="S", who="global")
    template = env.get_template("plain.html", globals={"local": 1})
    expected = template.new_context({"who": "me"}, False, {"x": 2, "gone": jinja2.utils.missing})
    env.context_class = context_class()
    made = new_context(template, {"who": "me"}, False, {"x": 2, "gone": jinja2.utils.missing})
    assert made is not None and type(made) is context_class()
    assert list(made.parent.items()) == list(expected.parent.items())
    assert made.globals_keys == expected.globals_keys == {"site", "who", "local", *env.globals}
    shared = {"who": "includer"}  # an include's: the includer's variables, never changed
    included = new_context(template, shared, True, None)
    assert included is not None and included.parent is shared
    with_locals = new_context(template, shared, True, {"x": 3})
    assert with_locals is not None and with_locals.parent == {"who": "includer", "x": 3}
    assert shared == {"who": "includer"}


def test_an_include_gets_the_context_jinja_gives_it() -> None:
    from sitegen.jinjacode import context_class, include_context

    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES))
    env.globals.update(site="S")
    includer = env.get_template("plain.html").new_context({"who": "me", "x": 1})
    includer.vars.update(x=2, y=3)  # set by the includer: they win over its parent's
    part = env.get_template("part.html")
    locals_ = {"y": 4, "gone": jinja2.utils.missing}
    env.context_class = context_class()
    for vars_, passed in (({}, {}), ({}, locals_), ({"x": 2, "y": 3}, {}), ({"x": 2}, locals_)):
        includer.vars.clear()
        includer.vars.update(vars_)
        expected = part.new_context(includer.get_all(), True, passed)
        before = dict(includer.parent)
        made = include_context(part, includer, passed)
        assert type(made) is context_class()
        assert list(made.parent.items()) == list(expected.parent.items())
        assert (made.name, made.blocks, made.vars) == (expected.name, expected.blocks, {})
        assert made.globals_keys == expected.globals_keys
        assert includer.parent == before  # never changed
    # Another context class (a Jinja of its own): Jinja's own way.
    env.context_class = jinja2.runtime.Context
    assert type(include_context(part, includer, {})) is jinja2.runtime.Context


@pytest.mark.parametrize(
    ("templates", "changed", "new_text", "reloaded"),
    [
        # an include
        ({"page.html": "{% include 'part.html' %}", "part.html": "1"}, "part.html", "2", "2"),
        # a layout (extends)
        (
            {
                "page.html": "{% extends 'base.html' %}{% block b %}x{% endblock %}",
                "base.html": "1",
            },
            "base.html",
            "2{% block b %}{% endblock %}",
            "2x",
        ),
    ],
)
def test_an_included_template_or_layout_is_looked_up_once_when_templates_are_not_reloaded(
    templates: dict[str, str], changed: str, new_text: str, reloaded: str
) -> None:
    loader = jinja2.DictLoader(dict(templates))
    env = jinja2.Environment(loader=loader, auto_reload=False)
    use_joining_code(env)
    page = env.get_template("page.html")
    assert page.render() == "1"
    loader.mapping[changed] = new_text
    env.cache.clear()  # (as if Jinja's cache had let it go)
    assert page.render() == "1"
    reloading = jinja2.Environment(loader=loader, auto_reload=True)
    use_joining_code(reloading)
    assert reloading.get_template("page.html").render() == reloaded


class _Greeter:
    """A callable object whose ``__call__`` asks for the context."""

    @jinja2.pass_context
    def __call__(self, context: jinja2.runtime.Context, name: str) -> str:
        return f"{context['greeting']}, {name}"


class _Plain:
    """A callable object and a method that take no context."""

    def __call__(self, name: str) -> str:
        return f"called {name}"

    def hello(self, name: str) -> str:
        return f"hello {name}"


def _stops() -> str:
    raise StopIteration


CALLS = (
    "{{ plain(1) }}|{{ ctx('x') }}|{{ env_name() }}|{{ eval_auto() }}|{{ greet('you') }}"
    "|{{ 'a-b'.split('-') }}|{{ stops() }}|{{ urls('p') }}"
    "|{{ bound('me') }}|{{ method('m') }}|{{ plain_object('o') }}"
    "{% for n in [1] %}{% set local = 'in loop' %}|{{ ctx('local') }}{% endfor %}"
    "{% block b %}{% set inner = 'in block' %}|{{ ctx('inner') }}{% endblock %}"
)


@pytest.mark.parametrize("autoescape", [True, False])
def test_calls_pass_the_context_or_environment_as_jinja_does(autoescape: bool) -> None:
    @jinja2.pass_context
    def ctx(context: jinja2.runtime.Context, name: str) -> str:
        return str(context.get(name, "?"))

    @jinja2.pass_environment
    def env_name(environment: jinja2.Environment) -> str:
        return type(environment).__name__

    @jinja2.pass_eval_context
    def eval_auto(eval_ctx: jinja2.nodes.EvalContext) -> str:
        return str(eval_ctx.autoescape)

    values = {
        "plain": lambda n: n + 1,
        "ctx": ctx,
        "env_name": env_name,
        "eval_auto": eval_auto,
        "greet": _Greeter(),
        "greeting": "hello",
        "x": "<x>",
        "stops": _stops,
        "urls": str.upper,
        "bound": _Greeter().__call__,  # a bound method whose function asks for the context
        "method": _Plain().hello,
        "plain_object": _Plain(),
    }
    rendered = []
    for joining in (False, True):
        env = jinja2.Environment(autoescape=autoescape)
        if joining:
            use_joining_code(env)
        rendered.append(env.from_string(CALLS).render(values))
    assert rendered[1] == rendered[0]
    assert "hello, you" in rendered[0] and "in loop" in rendered[0] and "in block" in rendered[0]
    assert "hello, me|hello m|called o" in rendered[0]


def test_a_failing_call_is_reported_at_the_same_template_lines() -> None:
    def fail() -> str:
        raise ValueError("no")

    frames = []
    for joining in (False, True):
        env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "a\n{{ fail() }}"}))
        if joining:
            use_joining_code(env)
        with pytest.raises(ValueError) as failure:
            env.get_template("t.html").render(fail=fail)
        frames.append([(f.name, f.lineno) for f in traceback.extract_tb(failure.tb)][-2:])
    assert frames[1] == frames[0]


def test_imported_templates_see_what_jinjas_see() -> None:
    # An imported module is made from a context whose globals' names it leaves out
    # (Context.globals_keys, made only when asked for).
    templates = {
        "macros.html": (
            "{% set shown = site ~ '/' ~ who %}{% macro hi() %}hi {{ who }}{% endmacro %}"
        ),
        "page.html": (
            "{% import 'macros.html' as m with context %}{{ m.hi() }} {{ m.shown }}"
            "{% from 'macros.html' import hi %} {{ hi() }}|{{ m.site is defined }}"
        ),
    }
    rendered = []
    for joining in (False, True):
        env = jinja2.Environment(loader=jinja2.DictLoader(templates))
        env.globals["site"] = "S"
        if joining:
            use_joining_code(env)
        rendered.append(env.get_template("page.html", globals={"g": 1}).render(who="me"))
    assert rendered[1] == rendered[0]
    assert "hi me" in rendered[0]


@pytest.mark.parametrize("value", [0, -7, 10**30, True, False, 1.5, -0.0, None, "<s>"])
def test_printed_numbers_and_other_values_are_what_jinja_prints(value: object) -> None:
    source = "[{{ v }}|{{ [v][0] }}|{{ v if v is not none else 'none' }}]"
    rendered = []
    for joining in (False, True):
        env = jinja2.Environment(autoescape=True)
        if joining:
            use_joining_code(env)
        rendered.append(env.from_string(source).render(v=value))
    assert rendered[1] == rendered[0]


class _Counted:
    """An attribute that counts its reads, beside a plain one."""

    def __init__(self) -> None:
        self.reads = 0
        self.plain = "<p>"

    @property
    def value(self) -> str:
        self.reads += 1
        return f"read {self.reads}"


PLAIN = (
    "{% for o in items %}[{{ o.plain }}|{{ o.value }}|{{ o.key if o.key is defined else '-' }}]"
    "{% if o.plain == '<p>' and o.value %}yes{% else %}no{% endif %}"
    "{% if o.other %}{{ o.other.deep }}{% endif %}{{ o.class }}{% endfor %}"
)


def test_attributes_read_plainly_print_what_jinja_prints_for_objects_and_dicts() -> None:
    # Objects first, then dicts (items read as attributes: Jinja's way from then on), then
    # objects again; a keyword as a name.
    def items() -> list[object]:
        return [
            _Counted(),
            {"plain": "<d>", "value": "v", "key": "k", "other": {"deep": "&"}, "class": "c"},
            _Counted(),
        ]

    rendered = []
    for joining in (False, True):
        env = jinja2.Environment(autoescape=True)
        if joining:
            use_joining_code(env)
        template = env.from_string(PLAIN)
        rendered.append([template.render(items=items()) for _ in range(2)])
    assert rendered[1] == rendered[0]
    assert rendered[0][0].startswith("[&lt;p&gt;|read 1|-]yes")


def test_a_templates_attributes_are_read_as_python_attributes() -> None:
    env = jinja2.Environment(autoescape=True)
    use_joining_code(env)
    code = env.compile("{% if o.a %}{% set x = 1 %}{{ o.b }}{% endif %}{{ f(o.c) }}", raw=True)
    assert "l_0_o)).a\n" in code and "l_0_o)).b\n" in code
    # An if printed in its run (see _inline_ifs): its test is read first, as a value is.
    code = env.compile("{{ o.d }}{% if o.a %}{{ o.b }}{% endif %}", raw=True)
    assert "l_0_o)).a\n" in code and "l_0_o)).d\n" in code
    assert "l_0_o)).c\n" not in code  # (a call's argument: read after the call's callable)


def test_a_missing_attribute_read_plainly_fails_as_jinjas_does() -> None:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    use_joining_code(env)
    with pytest.raises(jinja2.UndefinedError, match="has no attribute 'nope'") as failure:
        env.from_string("{{ o.title }}{{ o.nope }}").render(o=_Item())
    assert failure.value.__context__ is None  # (not raised while handling AttributeError)
    with pytest.raises(jinja2.UndefinedError, match="has no attribute 'nope'"):
        env.from_string("{% if o.nope %}x{% endif %}").render(o=_Item())


@pytest.mark.parametrize(
    ("expression", "first"),
    [
        ("a.b.c == d.e", ["a.b", "a.b.c", "d.e"]),
        ("a.b is defined and c.d", ["a.b"]),  # c.d only if a.b is defined
        ("a.b if c.d else e", ["c.d"]),  # a.b only on a condition: read where it is
        ("a.b if c.d else e.f", ["c.d"]),
        ("(x if c.d else 'y') ~ a.b", []),  # (~ calls str(): not read first)
        ("f(a.b) ~ c.d", []),
        ("a.b(c.d)", ["a.b"]),  # the callable, then its argument with the call
        ("a.b[0].c", ["a.b"]),
        ("not a.b < c.d < e.f", ["a.b", "c.d"]),
        ("a.b | upper", ["a.b"]),
        ("a.for", []),  # (not a Python attribute name)
    ],
)
def test_the_attribute_reads_an_expression_starts_with_are_read_first(
    expression: str, first: list[str]
) -> None:
    from sitegen.jinjacode import attribute_reads

    env = jinja2.Environment()
    node = env.parse("{{ " + expression + " }}").body[0].nodes[0]  # type: ignore[attr-defined]

    def dotted(read: jinja2.nodes.Getattr) -> str:
        inner = read.node
        return (inner.name if isinstance(inner, jinja2.nodes.Name) else dotted(inner)) + (
            "." + read.attr
        )

    assert [dotted(r) for r in attribute_reads([node], env.tests)] == first


class _Defaulting(jinja2.runtime.Context):
    """A context that answers every name it lacks."""

    def resolve_or_missing(self, key: str) -> object:
        found = super().resolve_or_missing(key)
        return f"<{key}>" if found is jinja2.utils.missing else found


def test_names_are_looked_up_inline_as_the_context_looks_them_up() -> None:
    templates = {
        "layout.html": "{% block b %}{% endblock %}|{{ who }}|{{ g }}",
        "page.html": (
            "{% extends 'layout.html' %}{% set who = 'set' %}"
            "{% block b %}{{ who }} {{ g }} {% for i in [1] %}{{ who }}{{ x is defined }}"
            "{% endfor %}{% endblock %}"
        ),
    }
    for context_class in (None, _Defaulting):
        rendered = []
        for joining in (False, True):
            env = jinja2.Environment(loader=jinja2.DictLoader(templates))
            env.globals["g"] = "global"
            if joining:
                use_joining_code(env)
            if context_class is not None:
                env.context_class = context_class
            rendered.append(env.get_template("page.html").render(who="passed"))
        assert rendered[1] == rendered[0]
    env = jinja2.Environment()
    use_joining_code(env)
    code = env.compile("{{ a }}{% for i in b %}{{ c }}{% endfor %}", raw=True)
    assert "resolve(" not in code and "context.parent.get('c', missing)" in code


IFS = (
    '{% for on, x, y in items %}<a{% if on %} on{% endif %} x="{{ x }}">'
    "{% if y > 1 %}big {{ y }}{% elif y == 1 %}one{% else %}{{ note(x) }}{% endif %}"
    "{% if x %}[{% if on %}{{ x }} on{% else %}off{% endif %}]{% endif %}"
    "{% if x %}{% endif %}{% if on %}{% set seen = x %}{{ seen }}{% endif %}|{% endfor %}\n"
    "{% for d in dicts %}{% if d.a %}{{ d.a }}{% endif %}{% if d.b %}b{% endif %}{% endfor %}"
    "{% if items %}{{ items | length }}{% endif %}"
    "{% set kept %}{% if items %}in a set{% endif %}{% endset %}{{ kept }}"
)


@pytest.mark.parametrize("autoescape", [True, False])
def test_an_if_that_only_prints_is_printed_in_its_run_as_jinja_prints_it(autoescape: bool) -> None:
    items = [(True, "<&>", 2), (False, "", 1), (0, markupsafe.Markup("<b>"), 0)]
    dicts = [{"a": "&", "b": 1}, {"a": 0, "b": 0}]
    outputs = []
    for joining in (False, True):
        notes: list[str] = []

        def note(x: str, notes: list[str] = notes) -> str:
            notes.append(str(x))  # (called when the else branch is printed, in order)
            return f"noted {x}"

        env = jinja2.Environment(autoescape=autoescape)
        if joining:
            use_joining_code(env)
        template = env.from_string(IFS)
        context = {"items": items, "note": note, "dicts": dicts}
        outputs.append((template.render(context), list(notes)))
        pieces = list(template.root_render_func(template.new_context(context)))
    assert outputs[1] == outputs[0]
    assert outputs[0][1] == ["<b>"]
    # A row of the loop is one piece where the ifs only print (the one with a set is not);
    # so is one with an if printing an attribute (d.a), printed by a statement (_write_if).
    x = "&lt;&amp;&gt;" if autoescape else "<&>"
    assert pieces[0] == f'<a on x="{x}">big 2[{x} on]'
    a = "&amp;" if autoescape else "&"
    assert pieces[-4:-1] == [a + "b", "", "3"]


def test_an_error_in_a_printed_if_is_reported_at_its_template_line() -> None:
    source = (
        'a\n{% if x %}\nb{{ x["y"]["z"] }}{% endif %}\n'
        '{% if not x %}c{% else %}{{ x["w"]["v"] }}{% endif %}'
    )
    frames = []
    for joining in (False, True):
        env = jinja2.Environment(undefined=jinja2.StrictUndefined)
        if joining:
            use_joining_code(env)
            assert env.compile(source, raw=True).count("yield concat") == 1  # (one run)
        for context in ({"x": {"y": {}}}, {"x": {"y": {"z": 1}}}):
            with pytest.raises(jinja2.UndefinedError) as failure:
                env.from_string(source).render(context)
            found = traceback.extract_tb(failure.tb)
            frames.append([f.lineno for f in found if f.filename == "<template>"])
    assert frames[2:] == frames[:2] == [[3], [4]]


def test_an_if_printing_attributes_is_printed_in_its_run_as_jinja_prints_it() -> None:
    source = (
        "{% for n in nodes %}<a{% if n.on %} on{% endif %}>\n"
        "{% if n.label %}<t {{ n.at }}>{{ n.label }}{% if n.more.x %}+{{ n.more.x }}"
        "{% endif %}</t>{% elif n.alt %}{{ n.alt.text }}{% else %}-{% endif %}\n"
        "</a>{% endfor %}{% if nodes[0].label %}{{ nodes[0].label }}{% endif %}"
    )
    nodes = [
        {"on": 1, "label": "<L>", "at": "x=1", "more": {"x": 2}, "alt": None},
        {"on": 0, "label": "", "at": "", "more": {"x": 0}, "alt": {"text": "&"}},
        {"on": 0, "label": "", "at": "", "more": {}, "alt": None},
    ]
    made = []
    for joining in (False, True):
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        if joining:
            use_joining_code(env)
        template = env.from_string(source)
        made.append(template.render(nodes=nodes))
        pieces = list(template.root_render_func(template.new_context({"nodes": nodes})))
        # (in its branch, a missing attribute fails at its line, as Jinja's)
        with pytest.raises(jinja2.UndefinedError) as failure:
            template.render(nodes=[{"on": 0, "label": "L", "more": {}}])
        lines = [f.lineno for f in traceback.extract_tb(failure.tb) if f.filename == "<template>"]
        made.append(lines)
    assert made[2:] == made[:2]
    assert made[1] == [2]
    assert len(pieces) == 4  # a node a piece, and the if after the loop


def test_filters_with_an_async_variant_are_their_plain_functions_printing_the_same() -> None:
    source = (
        "{{ xs | join('; ') }}|{{ xs | join(', ', attribute='n') if false else '' }}"
        "{{ ms | join }}|{{ ys | map('upper') | join }}|{{ ys | select('lower') | list }}"
        "|{{ ys | reject('upper') | first }}|{{ ns | sum }}|{{ ns | unique | list }}"
        "|{{ ds | selectattr('n') | map(attribute='n') | join }}|{{ ds | rejectattr('n') | list }}"
        "|{% for k, g in ds | groupby('n') %}{{ k }}{{ g | length }}{% endfor %}"
        "|{% for part in ns | slice(2) %}{{ part }}{% endfor %}"
    )
    context = {
        "xs": ["a&", "<b>"],
        "ms": ["<i>", markupsafe.Markup("<b>")],
        "ys": ["a", "B", "c"],
        "ns": [3, 1, 3, 2],
        "ds": [{"n": 1}, {"n": 0}, {"n": 2}],
    }
    rendered = []
    for joining in (False, True):
        for autoescape in (False, True):
            env = jinja2.Environment(autoescape=autoescape)
            if joining:
                use_joining_code(env)
                assert env.filters["join"] is quick_join()  # (see the test below)
            rendered.append(env.from_string(source).render(context))
    assert rendered[2:] == rendered[:2]
    env = jinja2.Environment(enable_async=True)
    use_joining_code(env)
    assert env.filters["join"] is jinja2.filters.do_join  # (the async wrapper kept)


class _Counting:
    """An object whose attributes other than ``a`` are items, counting the looks."""

    def __init__(self) -> None:
        self.looks = 0
        self.a = "plain"

    def __getattr__(self, name: str) -> object:
        self.looks += 1
        raise AttributeError(name)

    def __getitem__(self, name: str) -> str:
        if name == "gone":
            raise KeyError(name)
        return f"item {name}"


def test_an_item_reached_by_attribute_is_looked_for_as_an_attribute_once_as_jinja_does() -> None:
    source = "{{ o.a }}{{ o.b }}|{% for _ in '12' %}{{ o.c }}{{ f(o.d) }}{% endfor %}|{{ o.gone }}"
    looks = []
    for joining in (False, True):
        env = jinja2.Environment(autoescape=True)
        if joining:
            use_joining_code(env)
        found = _Counting()
        looks.append((env.from_string(source).render(o=found, f=str), found.looks))
    assert looks[1] == looks[0] == ("plainitem b|item citem ditem citem d|", 6)


def test_a_value_read_first_is_escaped_from_its_variable_and_its_sites_flag_is_a_name() -> None:
    # (A copy of the value and a list item per read: a few bytecodes of every value read.)
    env = jinja2.Environment(autoescape=True)
    use_joining_code(env)
    code = env.compile("{{ o.a }}|{{ o.b }}{% include 'x.html' %}", raw=True)
    assert "t_escape_str(t_read0) if (t_kind := type(t_read0)) is str" in code
    assert "t_out := t_read0" not in code
    assert "if t_plain0:" in code and "if t_plain1:" in code and "t_plain[" not in code
    assert "if t_apart0:" in code and "t_apart[" not in code
    # A site whose reads fail (a dict's items) turns to Jinja's way once, for good.
    template = env.from_string("{% for o in items %}{{ o.a }}{% endfor %}")
    flags = template.root_render_func.__globals__
    assert template.render(items=[SimpleNamespace(a="<0>")]) == "&lt;0&gt;"
    assert flags["t_plain0"] is True
    assert template.render(items=[{"a": "<1>"}, {"a": 2}]) == "&lt;1&gt;2"
    assert flags["t_plain0"] is False
    assert template.render(items=[SimpleNamespace(a="a"), {"a": "&"}]) == "a&amp;"


_JOINED = st.one_of(
    st.text(max_size=4),
    st.builds(markupsafe.Markup, st.text(max_size=4)),
    st.integers(),
    st.none(),
)


@given(
    value=st.one_of(
        st.tuples(*[st.text(max_size=4)] * 3),
        st.lists(_JOINED, max_size=4),
        st.lists(_JOINED, max_size=4).map(tuple),
        st.text(max_size=4),
    ),
    d=st.one_of(st.sampled_from(["", "; ", "<&>"]), st.builds(markupsafe.Markup, st.text())),
    autoescape=st.booleans(),
)
def test_the_quick_join_gives_what_jinjas_join_gives(
    value: object, d: str, autoescape: bool
) -> None:
    # (Strings joined by a string in one step: an article page's related reasons.)
    env = jinja2.Environment(autoescape=autoescape)
    eval_ctx = jinja2.nodes.EvalContext(env)
    made = quick_join()(eval_ctx, value, d)
    expected = jinja2.filters.sync_do_join(eval_ctx, value, d)
    assert (type(made), made) == (type(expected), expected)


def test_the_quick_join_joins_attributes_as_jinjas_join_does() -> None:
    env = jinja2.Environment(autoescape=True)
    eval_ctx = jinja2.nodes.EvalContext(env)
    items = [SimpleNamespace(n="<a>"), SimpleNamespace(n=markupsafe.Markup("<b>"))]
    made = quick_join()(eval_ctx, items, ", ", attribute="n")
    assert made == jinja2.filters.sync_do_join(eval_ctx, items, ", ", attribute="n")
    assert made == "&lt;a&gt;, <b>"
