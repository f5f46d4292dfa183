"""Jinja's template code, generated with fewer Python steps per page; the same output.

Jinja compiles a template to a generator that yields each piece of text and each printed
value on its own, and hands an included template's pieces on one by one through a Python
loop, up through every enclosing block and the layout. An article page was ~460 pieces,
each passed up 3 to 5 generators: more of a page's cost than any expression in it. Here
one run of output (text and ``{{ }}`` values between two tags) is yielded as one string,
joined in C, and an include's output is joined before it is passed up (unless joined it
would be a long text wider than ASCII: see visit_Include). (A block's pieces, a few runs
and includes, are passed on as Jinja passes them: pages are encoded piece by piece, see
``render.render_bytes``.)

Two of the steps Jinja takes for every value are done inline: ``{{ x.y }}`` was two Python
calls around two C ones (``environment.getattr``, ``escape``), ~280 times per page; the
generated code now calls the C functions (``getattr`` with a default, the C escaping of a
``str``) and takes Jinja's own path only when those do not apply (an item, not an attribute;
a value that is not a ``str``). Where an output run or an ``{% if %}`` test starts with
attribute reads (``node.url``, ``card.provider.text``), those are read first as plain Python
attributes, a bytecode each, in the order the expression reads them (see attribute_reads).

Templates are unchanged and render the same text: a theme's own templates get this too.
"""

from __future__ import annotations

import functools
import keyword
from collections import ChainMap
from collections.abc import Iterable, Mapping
from types import MethodType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import jinja2


@functools.cache
def code_generator_class() -> type[Any]:
    """A jinja2 CodeGenerator that yields joined runs (made once, on first use: Jinja is
    imported only when a page is rendered)."""
    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator, Frame, optimizeconst
    from jinja2.environment import Environment
    from jinja2.runtime import Context

    from sitegen.htmlescape import escape_str

    try:
        from jinja2.idtracking import VAR_LOAD_RESOLVE
    except ImportError:
        return CodeGenerator  # a Jinja whose compiler differs: its own code, slower only
    if not all(hasattr(CodeGenerator, name) for name in _JINJA_INTERNALS) or not hasattr(
        Context, "resolve_or_missing"
    ):
        return CodeGenerator

    class JoiningCodeGenerator(CodeGenerator):
        def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
            if escape_str is not None:
                self.writeline("from sitegen.htmlescape import escape_str as t_escape_str")
            self.writeline(
                "from sitegen.jinjacode import include_context as t_include_context,"
                " item_or_undefined as t_item, attribute_or_item as t_getattr,"
                " NOT_FOUND as t_not_found"
            )
            self.writeline("t_included = {}")  # (see visit_Include)
            # Each attribute site's and include site's flag is a global name of its own
            # (see _read_attributes): set through the module's namespace.
            self.writeline("t_globals = globals()")
            self._read_first: dict[int, str] = {}  # (see _read_attributes)
            self._plain_sites = 0
            self._apart_sites = 0
            self._values = 0  # (see _write_run)
            self._statement_ifs: set[int] = set()  # (see _inline_if)
            start = self.stream.tell()
            super().visit_Template(node, frame)
            for n in range(self._plain_sites):  # (see _read_attributes)
                self.writeline(f"t_plain{n} = True")
            for n in range(self._apart_sites):  # (see visit_Include)
                self.writeline(f"t_apart{n} = False")
            self.stream.seek(start)
            code = without_unused_setup(self.stream.read())
            self.stream.seek(start)
            self.stream.truncate()
            self.stream.write(code)

        def enter_frame(self, frame: Frame) -> None:
            # A name the template does not set is looked up in the context's variables,
            # then its parent's (Context.resolve_or_missing, a Python call, ~50 a page):
            # inline, when the context class is Jinja's or ours, which leave it as it is.
            if (
                self.get_resolve_func() != "resolve"
                or self.environment.context_class.resolve_or_missing
                is not Context.resolve_or_missing
            ):
                super().enter_frame(frame)
                return
            loads = frame.symbols.loads
            inline = {t: p for t, (action, p) in loads.items() if action == VAR_LOAD_RESOLVE}
            frame.symbols.loads = {t: v for t, v in loads.items() if t not in inline}
            try:
                super().enter_frame(frame)
            finally:
                frame.symbols.loads = loads
            for target, name in inline.items():
                self.writeline(
                    f"{target} = t_vars[{name!r}] if {name!r} in (t_vars := context.vars)"
                    f" else context.parent.get({name!r}, missing)"
                )

        def _inline_escape(self, frame: Frame, finalize: Any) -> bool:
            """Whether a printed value is escaped inline: by the C escaping when a str."""
            return (
                escape_str is not None
                and frame.eval_ctx.autoescape
                and not frame.eval_ctx.volatile
                and finalize.src is None
            )

        def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
            if self._inline_escape(frame, finalize):
                # What escape(value) prints, with a str (most values) escaped in one C call,
                # a Markup (safe already) as it is.
                self.write("(t_escape_str(t_out) if (t_kind := type(t_out := ")
            else:
                super()._output_child_pre(node, frame, finalize)

        def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
            if self._inline_escape(frame, finalize):
                # An int (a count, a size, a ring) prints as its digits: no escape() call.
                self.write(
                    ")) is str else t_out if t_kind is Markup"
                    " else str(t_out) if t_kind is int else escape(t_out))"
                )
            else:
                super()._output_child_post(node, frame, finalize)

        def _first_reads(self, exprs: list[nodes.Node]) -> list[nodes.Getattr]:
            """The attribute reads ``exprs`` start with (see attribute_reads), none where
            attributes are looked up by the environment's own getattr (a sandbox)."""
            if self.environment.is_async or type(self.environment).getattr is not (
                Environment.getattr
            ):
                return []
            return attribute_reads(exprs, self.environment.tests)

        def _read_attributes(self, reads: list[nodes.Getattr], frame: Frame) -> None:
            """Each of ``reads`` into a variable of its own, in order, as a Python attribute
            (a bytecode, where ``getattr(x, "y", missing)`` was a call); at a place where
            that raises AttributeError (an item of a dict, or undefined), then and from
            then on environment.getattr, Jinja's own code (raising and catching costs more
            than the call). The expression then takes the variable (see visit_Getattr)."""
            for n, read in enumerate(reads):
                # The site's flag a global name (a bytecode), not an item of a list.
                name, site = f"t_read{n}", f"t_plain{self._plain_sites}"
                self._plain_sites += 1
                self.writeline(f"if {site}:")
                self.indent()
                self.writeline("try:")
                self.indent()
                self.writeline(f"{name} = (", read)
                self.visit(read.node, frame)
                self.write(f").{read.attr}")
                self.outdent()
                self.writeline("except AttributeError:")
                self.indent()
                self.writeline(f"t_globals[{site!r}] = False")
                self.writeline(f"{name} = t_item(environment, ", read)  # (getattr failed)
                self.visit(read.node, frame)
                self.write(f", {read.attr!r})")
                self.outdent()
                self.outdent()
                self.writeline("else:")
                self.indent()
                self.writeline(f"{name} = t_getattr(environment, ", read)
                self.visit(read.node, frame)
                self.write(f", {read.attr!r})")
                self.outdent()
                self._read_first[id(read)] = name

        def _write_getattr(self, node: nodes.Getattr, frame: Frame) -> None:
            """environment.getattr(obj, name) without a Python call when obj has the
            attribute; otherwise the rest of it (an item of a dict, or undefined), without
            looking for the attribute again."""
            self.write("(t_attr if (t_attr := getattr((t_obj := ")
            self.visit(node.node, frame)
            name = repr(node.attr)
            self.write(f"), {name}, t_not_found)) is not t_not_found ")
            self.write(f"else t_item(environment, t_obj, {name}))")

        @optimizeconst
        def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
            if self.environment.is_async or type(self.environment).getattr is not (
                Environment.getattr
            ):
                super().visit_Getattr(node, frame)  # (a sandbox checks every attribute)
                return
            read = self._read_first.get(id(node))
            if read is not None:  # read already (see _read_attributes)
                self.write(read)
                return
            self._write_getattr(node, frame)

        def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
            if frame.buffer is not None or self.environment.is_async:
                super().visit_Output(node, frame)  # (a buffer already collects in bulk)
                return
            if frame.require_output_check:
                if self.has_known_extends:
                    return  # a child template prints nothing outside its blocks
                self.writeline("if parent_template is None:")
                self.indent()
            body = self._output_body(node, frame)
            if len(body) == 1 and id(body[0]) in self._statement_ifs:
                self.visit_If(body[0], frame)  # (nothing to print it with: as Jinja does)
            else:
                self._write_run(body, frame, None)
            if frame.require_output_check:
                self.outdent()

        def _write_run(self, body: list[Any], frame: Frame, target: str | None) -> None:
            """A run of output (see _output_body) yielded as one piece, or with ``target``
            assigned to a variable of that name."""
            # Each value's attribute reads first (see _read_attributes); a value before
            # those of another is printed into a variable first, to keep Python's order.
            # (Of an if printed in the run, its test's: evaluated first, see _inline_ifs;
            # an if whose branches read attributes prints into a variable, see _write_if.)
            statements = [id(item) in self._statement_ifs for item in body]
            reads = [
                []
                if isinstance(item, list)
                else self._first_reads([item.test if isinstance(item, nodes.If) else item])
                for item in body
            ]
            last = max((k for k, found in enumerate(reads) if found or statements[k]), default=-1)
            for k, item in enumerate(body):
                self._read_attributes(reads[k], frame)
                if statements[k] or (k < last and not isinstance(item, list)):
                    name = f"t_value{self._values}"
                    self._values += 1
                    if statements[k]:
                        self._write_if(item, frame, name)
                    else:
                        self.writeline(f"{name} = ", item)
                        self._write_value(item, frame)
                    body[k] = name
            start = "yield " if target is None else f"{target} = "
            if not body:
                self.writeline(start + "''")
            if len(body) > 1:
                self.writeline(start + "concat((")
                self.indent()
            for item in body:
                if isinstance(item, list):
                    value = self._output_const_repr(item)
                    self.writeline(value + "," if len(body) > 1 else start + value)
                elif isinstance(item, str):  # printed already
                    self.writeline(item + "," if len(body) > 1 else start + item)
                else:
                    if len(body) > 1:
                        self.newline(item)
                    else:
                        self.writeline(start, item)
                    self._write_value(item, frame)
                    if len(body) > 1:
                        self.write(",")
            if len(body) > 1:
                self.outdent()
                self.writeline("))")
            for found in reads:
                self._read_done(found)

        def _write_if(self, item: nodes.If, frame: Frame, target: str) -> None:
            """An if that only prints (see _inline_ifs) whose branches read attributes, as
            a statement: each branch assigns what it prints to ``target``, reading its
            attributes first as plain Python attributes (see _read_attributes). Its test's
            attributes are read already (see _write_run); an elif's test reads them as Jinja
            does, only if it is reached."""
            if_frame = frame.soft()
            for keyword_, branch in (("if ", item), *(("elif ", e) for e in item.elif_)):
                self.writeline(keyword_, branch)
                self.visit(branch.test, if_frame)
                self.write(":")
                self.indent()
                self._write_printed(branch.body, if_frame, target)
                self.outdent()
            self.writeline("else:")
            self.indent()
            self._write_printed(item.else_, if_frame, target)
            self.outdent()

        def _write_printed(self, printed: list[nodes.Node], frame: Frame, target: str) -> None:
            body = self._output_body(cast(nodes.Output, printed[0]), frame) if printed else []
            self._write_run(body, frame, target)

        def _write_value(self, item: nodes.Expr, frame: Frame) -> None:
            if isinstance(item, nodes.If):  # (see _inline_ifs)
                self._write_inline_if(item, frame)
                return
            finalize = self._make_finalize()
            read = self._read_first.get(id(item))
            if read is not None and self._inline_escape(frame, finalize):
                # An attribute read first (see _read_attributes) is escaped from its
                # variable, not from a copy of it (two bytecodes a value).
                self.write(
                    f"(t_escape_str({read}) if (t_kind := type({read})) is str else {read}"
                    f" if t_kind is Markup else str({read}) if t_kind is int else escape({read}))"
                )
                return
            self._output_child_pre(item, frame, finalize)
            self.visit(item, frame)
            self._output_child_post(item, frame, finalize)

        def blockvisit(self, body: Iterable[nodes.Node], frame: Frame) -> None:
            if frame.buffer is None and not frame.require_output_check:
                body = self._inline_ifs(list(body))
            super().blockvisit(body, frame)

        def _inline_ifs(self, body: list[nodes.Node]) -> list[nodes.Node]:
            """``body`` with each ``{% if %}`` that only prints (no tag inside but other
            such ifs) made part of the output around it: ``(A if test else B)`` in its
            run of output (see visit_Output), where Jinja yielded each of the pieces
            before, within and after it on its own (a local graph's node was five).
            The same things are evaluated, in the same order."""
            out: list[nodes.Node] = []
            for node in body:
                if isinstance(node, nodes.If):
                    inline = self._inline_if(node)
                    if inline is None:
                        out.append(node)
                        continue
                    printed: list[nodes.Node] = [inline]
                elif isinstance(node, nodes.Output):
                    printed = list(node.nodes)
                else:
                    out.append(node)
                    continue
                if out and isinstance(out[-1], nodes.Output) and out[-1] is not node:
                    out[-1] = nodes.Output(out[-1].nodes + printed, lineno=out[-1].lineno)
                else:
                    out.append(nodes.Output(printed, lineno=node.lineno))
            return out

        def _inline_if(self, node: nodes.If) -> nodes.If | None:
            """``node`` with each branch one Output node (or none), to print as part of
            a run of output; None if a branch does more than print, or reads attributes.
            (Jinja allows no node types of one's own: an If among an Output's nodes is one
            of these.)"""

            def printed(body: list[nodes.Node]) -> list[nodes.Node] | None:
                merged = self._inline_ifs(list(body))
                if not all(isinstance(n, nodes.Output) for n in merged):
                    return None
                found = [child for n in merged for child in n.nodes]  # type: ignore[attr-defined]
                if any(isinstance(c, nodes.Getattr) or c.find(nodes.Getattr) for c in found):
                    # Its attributes would be read by getattr() calls in an expression (not
                    # read first as plain Python attributes: see _read_attributes), costing
                    # more than the pieces the if saves: printed by a statement instead.
                    reads_attributes.append(True)
                return [nodes.Output(found, lineno=node.lineno)] if found else []

            reads_attributes: list[bool] = []

            parts = [printed(node.body), *(printed(e.body) for e in node.elif_)]
            else_ = printed(node.else_)
            if else_ is None or any(part is None for part in parts):
                return None
            elifs = [
                nodes.If(e.test, part, [], [], lineno=e.lineno)
                for e, part in zip(node.elif_, parts[1:], strict=True)
            ]
            made = nodes.If(node.test, parts[0], elifs, else_, lineno=node.lineno)
            made.set_environment(self.environment)
            if reads_attributes:
                self._statement_ifs.add(id(made))  # (see _write_if)
            return made

        def _write_inline_if(self, item: nodes.If, frame: Frame) -> None:
            """``(A if test else B)``: each branch's printed pieces joined (see _inline_ifs),
            an elif's test as a further conditional of the branch after."""
            if_frame = frame.soft()
            self.write("(")
            for branch in (item, *item.elif_):
                self._write_branch(branch.body, if_frame)
                self.write(" if ")
                self.visit(branch.test, if_frame)
                self.write(" else ")
            self._write_branch(item.else_, if_frame)
            self.write(")")

        def _write_branch(self, printed: list[nodes.Node], frame: Frame) -> None:
            body = self._output_body(cast(nodes.Output, printed[0]), frame) if printed else []
            if not body:
                self.write("''")
                return
            if len(body) > 1:
                self.write("concat((")
            for item in body:
                if isinstance(item, list):
                    self.write(self._output_const_repr(item))
                else:
                    self.newline(item)
                    self._write_value(item, frame)
                self.write(", " if len(body) > 1 else "")
            if len(body) > 1:
                self.write("))")

        def visit_If(self, node: nodes.If, frame: Frame) -> None:
            if_frame = frame.soft()
            # The test's attribute reads first (see _read_attributes); elif tests, which
            # are evaluated only if the test fails, as Jinja's code evaluates them.
            reads = self._first_reads([node.test])
            self._read_attributes(reads, if_frame)
            super().visit_If(node, frame)
            self._read_done(reads)

        def _read_done(self, reads: list[nodes.Getattr]) -> None:
            for read in reads:
                del self._read_first[id(read)]

        def _output_body(self, node: nodes.Output, frame: Frame) -> list[Any]:
            """The node's children: runs of constant text (lists) and expressions, as
            Jinja's own visit_Output groups them."""
            finalize = self._make_finalize()
            body: list[Any] = []
            for child in node.nodes:
                try:
                    if not (finalize.const or isinstance(child, nodes.TemplateData)):
                        raise nodes.Impossible()
                    const = self._output_child_to_const(child, frame, finalize)
                except (nodes.Impossible, Exception):
                    body.append(child)
                    continue
                if body and isinstance(body[-1], list):
                    body[-1].append(const)
                else:
                    body.append([const])
            return body

        def visit_Include(self, node: nodes.Include, frame: Frame) -> None:
            named = isinstance(node.template, nodes.Const) and isinstance(node.template.value, str)
            if (
                not (named and node.with_context)
                or node.ignore_missing
                or self.environment.is_async
            ):
                super().visit_Include(node, frame)
                return
            name = repr(node.template.value)  # type: ignore[attr-defined]
            if self.environment.auto_reload or self.environment.cache is None:
                self.writeline(f"template = environment.get_template({name}, {self.name!r})", node)
            else:
                # Templates are not reloaded: each included one is looked up once (Jinja's
                # cache of templates is a locked LRU list, dear for ~10 includes a page).
                self.writeline(f"template = t_included.get({name})", node)
                self.writeline("if template is None:")
                self.indent()
                self.writeline(f"template = t_included[{name}] = environment.get_template(")
                self.write(f"{name}, {self.name!r})")
                self.outdent()
            made = (
                "template.root_render_func(t_include_context("
                f"template, context, {self.dump_local_context(frame)}))"
            )
            if frame.buffer is not None:
                self.simple_write(f"concat({made})", frame)
                return
            # Joined, unless this include has made a long text that is not all ASCII: its
            # pieces are then passed on as they are, from then on. One character past
            # Latin-1 (a curly quote in one of a listing's ~20 cards) makes the whole of a
            # joined text two bytes a character, and such a text is encoded character by
            # character (see render.render_bytes), where an ASCII piece is copied.
            site = f"t_apart{self._apart_sites}"  # (a global name: see _read_attributes)
            self._apart_sites += 1
            self.writeline(f"if {site}:")
            self.indent()
            self.writeline(f"yield from {made}")
            self.outdent()
            self.writeline("else:")
            self.indent()
            self.writeline(f"t_out = concat({made})")
            self.writeline(f"if len(t_out) >= {WIDE_INCLUDE} and not t_out.isascii():")
            self.indent()
            self.writeline(f"t_globals[{site!r}] = True")
            self.outdent()
            self.writeline("yield t_out")
            self.outdent()

        def visit_Extends(self, node: nodes.Extends, frame: Frame) -> None:
            named = isinstance(node.template, nodes.Const) and isinstance(node.template.value, str)
            if (
                not named
                or not frame.toplevel
                or not isinstance(getattr(self, "extends_so_far", None), int)  # (Jinja 3.1's)
                or self.extends_so_far > 0
                or self.environment.auto_reload
                or self.environment.cache is None
            ):
                super().visit_Extends(node, frame)  # (and its errors)
                return
            # Jinja's code, with the layout looked up once, as an include (see visit_Include):
            # an article page extends base.html.
            name = repr(node.template.value)  # type: ignore[attr-defined]
            self.writeline(f"parent_template = t_included.get({name})", node)
            self.writeline("if parent_template is None:")
            self.indent()
            self.writeline(f"parent_template = t_included[{name}] = environment.get_template(")
            self.write(f"{name}, {self.name!r})")
            self.outdent()
            self.writeline("for name, parent_block in parent_template.blocks.items():")
            self.indent()
            self.writeline("context.blocks.setdefault(name, []).append(parent_block)")
            self.outdent()
            if frame.rootlevel:
                self.has_known_extends = True
            self.extends_so_far += 1

    return JoiningCodeGenerator


def without_unused_setup(code: str) -> str:
    """The generated module ``code`` without the setup a function of it does not use: each
    root or block function sets up ``resolve``, ``undefined``, ``concat`` and
    ``cond_expr_undefined`` (a bound method made, attributes read), a block ``_block_vars``
    and each loop's pass ``_loop_vars`` (a dict each); most use few of them (names are
    looked up inline, see enter_frame). An assignment whose name is nowhere else in its
    function (nested ones included) is a ``pass``: every line keeps its number, which
    the template's line numbers are mapped by. (Counted in C: code lines end with a
    newline, which a string constant in the code, written with repr, never holds.)"""
    parts = code.split("\ndef ")
    for n, part in enumerate(parts[1:], 1):
        for name, made in _SETUP:
            line = f" {name} = {made}\n"
            found = part.count(line)
            if found and part.count(name) == found * line.count(name):
                part = part.replace(line, " pass\n")
        parts[n] = part
    return "\ndef ".join(parts)


# Names Jinja's generated functions set up, and what each is set to.
_SETUP = (
    ("resolve", "context.resolve_or_missing"),
    ("cond_expr_undefined", "Undefined"),  # (before undefined: a name holding it)
    ("undefined", "environment.undefined"),
    ("concat", "environment.concat"),
    ("_block_vars", "{}"),
    ("_loop_vars", "{}"),
)


# An include whose output was this long, or longer, and not all ASCII passes its pieces on
# (see visit_Include): an article page's local graph, ~5,400 characters in ~50 pieces, costs
# less joined; a listing's cards, ~25,000 characters in ~20 pieces, less apart.
WIDE_INCLUDE = 8192


def attribute_reads(exprs: list[jinja2.nodes.Node], tests: Mapping[str, Any]) -> list[Any]:
    """The attribute reads (``x.y``) ``exprs`` start with, in the order Python evaluates
    them: each of a name or of the read before it, up to the first step that could do
    something else (a call, a filter, an item, a read only made on a condition...). Only
    names, constants, comparisons, ``not`` and Jinja's own tests (``tests``, the template's
    environment's) may come between them. So reading them first, in that order, reads and
    runs the same things in the same order as the expression does."""
    from jinja2 import nodes
    from jinja2 import tests as jinja_tests

    reads: list[nodes.Getattr] = []
    inert_kinds = (
        nodes.Compare, nodes.Operand, nodes.Not, nodes.Neg, nodes.Pos, nodes.And, nodes.Or,
        nodes.CondExpr, nodes.Tuple, nodes.List, nodes.Test,
    )  # fmt: skip

    def own_test(node: nodes.Test) -> bool:
        test = tests.get(node.name)
        return (
            node.name in _OWN_TESTS
            and test is not None
            and test is jinja_tests.TESTS.get(node.name)
            and not (node.kwargs or node.dyn_args or node.dyn_kwargs)
        )

    def inert(node: nodes.Node | None) -> bool:
        """Reads nothing and calls nothing (a condition's other branch)."""
        if node is None or isinstance(node, (nodes.Name, nodes.Const, nodes.TemplateData)):
            return True
        if isinstance(node, nodes.Test) and not own_test(node):
            return False
        return isinstance(node, inert_kinds) and all(map(inert, node.iter_child_nodes()))

    def walk(node: nodes.Node) -> bool:  # False: stop there
        if isinstance(node, nodes.Getattr):
            inner = node.node
            if not (isinstance(inner, nodes.Name) and inner.ctx == "load") and not (
                walk(inner) and isinstance(inner, nodes.Getattr) and reads[-1] is inner
            ):
                return False
            if not node.attr.isidentifier() or keyword.iskeyword(node.attr):
                return False
            reads.append(node)
            return True
        if isinstance(node, (nodes.Name, nodes.Const, nodes.TemplateData)):
            return True
        if isinstance(node, (nodes.Not, nodes.Neg, nodes.Pos)):
            return walk(node.node)
        if isinstance(node, nodes.Compare):  # (a < b < c: c only if a < b)
            first = [node.expr, *(op.expr for op in node.ops[:1])]
            return all(map(walk, first)) and all(inert(op) for op in node.ops[1:])
        if isinstance(node, (nodes.And, nodes.Or)):
            return walk(node.left) and inert(node.right)
        if isinstance(node, nodes.CondExpr):
            return walk(node.test) and inert(node.expr1) and inert(node.expr2)
        if isinstance(node, nodes.Test) and own_test(node):
            return walk(node.node) and all(map(walk, node.args))
        if isinstance(node, (nodes.Tuple, nodes.List)):
            return all(map(walk, node.items))
        if isinstance(node, (nodes.Call, nodes.Filter, nodes.Getitem)) and node.node is not None:
            walk(node.node)  # (evaluated first: then the call, or the item)
        return False

    for expr in exprs:
        if not walk(expr):
            break
    return reads


_OWN_TESTS = frozenset(
    ("defined", "undefined", "none", "sameas", "eq", "ne", "lt", "le", "gt", "ge")
)


# The parts of Jinja's compiler (3.1) the joining generator calls besides its visitors.
_JINJA_INTERNALS = (
    "_make_finalize",
    "_output_child_pre",
    "_output_child_post",
    "_output_child_to_const",
    "_output_const_repr",
    "simple_write",
    "dump_local_context",
    "get_context_ref",
    "get_resolve_func",
    "enter_frame",
)


def use_joining_code(env: jinja2.Environment) -> None:
    """Compile ``env``'s templates with the joining code generator, and make their contexts
    with less work (``context_class``)."""
    env.code_generator_class = code_generator_class()
    env.context_class = context_class()
    if not env.is_async:
        use_sync_filters(env)


def use_sync_filters(env: jinja2.Environment) -> None:
    """Jinja's filters that have an async variant (``join``, ``map``, ``sum``...) as their
    plain functions: each call went through a wrapper asking whether the environment is
    async (an article page joins each related article's reasons). An async environment
    keeps the wrappers."""
    for name, found in env.filters.items():
        plain = getattr(found, "__wrapped__", None)
        if getattr(found, "jinja_async_variant", False) and callable(plain):
            env.filters[name] = plain
    from jinja2.filters import sync_do_join

    if env.filters.get("join") is sync_do_join:
        env.filters["join"] = quick_join()


@functools.cache
def quick_join() -> Any:
    """Jinja's ``join`` filter, with strings joined by a string (an article page's related
    reasons, ~4 lists a page) in one step: Jinja's goes over the items in Python, looking
    for an ``__html__`` on each, to join them as they are when none has one."""
    from jinja2 import pass_eval_context
    from jinja2.filters import sync_do_join

    @pass_eval_context
    def do_join(eval_ctx: Any, value: Any, d: Any = "", attribute: Any = None) -> Any:
        if attribute is None and type(d) is str and (type(value) is tuple or type(value) is list):
            for item in value:
                if type(item) is not str:
                    break
            else:
                return d.join(value)  # (what Jinja's gives, escaping on or off: a str)
        return sync_do_join(eval_ctx, value, d, attribute)

    return do_join


@functools.cache
def context_class() -> type[jinja2.runtime.Context]:
    """Jinja's Context, made faster where templates have a ChainMap of globals (Jinja 3's
    Template.globals): Context.__init__ takes the set of their names, and iterating over a
    ChainMap is Python code (a page makes ~10 contexts: one per template and include).
    The set is made only when asked for: only ``{% import %}`` asks (Template.module)."""
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context
    from jinja2.utils import internalcode, missing

    global _MISSING, _FAST_CONTEXT
    _MISSING = missing

    class FastContext(Context):
        def __init__(
            self,
            environment: jinja2.Environment,
            parent: dict[str, Any],
            name: str | None,
            blocks: dict[str, Any],
            globals: Any = None,
        ) -> None:
            if type(globals) is not ChainMap:
                super().__init__(environment, parent, name, blocks, globals)
                return
            # What Context.__init__ sets, but globals_keys (see above).
            self.parent = parent
            self.vars = {}
            self.environment = environment
            self.eval_ctx = EvalContext(environment, name)
            self.exported_vars = set()
            self.name = name
            # (An included partial has no blocks: no comprehension, a call of its own.)
            self.blocks = {k: [v] for k, v in blocks.items()} if blocks else {}
            self._globals: ChainMap[str, Any] = globals
            self._globals_keys: set[str] | None = None

        @property
        def globals_keys(self) -> set[str]:
            keys: set[str] | None = self._globals_keys
            if keys is None:
                keys = self._globals_keys = set().union(*self._globals.maps)
            return keys

        @globals_keys.setter
        def globals_keys(self, keys: set[str]) -> None:
            self._globals_keys = keys

        @internalcode  # (left out of template tracebacks, as Jinja's own call)
        def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            """Context.call, without its Python steps for a callable that takes no context
            (``url()``, ``card_html()``, a string's method: ~15 calls a page): Jinja passes
            something first only when the callable or its ``__call__`` has the
            ``jinja_pass_arg`` mark, looked up here in C."""
            if type(__obj) is MethodType:
                # A bound method's attributes are its function's: looked up there, without
                # the AttributeError (its message formatted) a method raises for a name it
                # has not (card_html, a listing's ~20 cards). Its __call__ has no mark.
                marked = getattr(__obj.__func__, "jinja_pass_arg", None) is not None
            else:
                # (Jinja's own test: __call__ of a callable object may ask for the context;
                # url() is one, its __call__ a bound method: looked up as above.)
                call = getattr(__obj, "__call__", None)  # noqa: B004
                marked = getattr(__obj, "jinja_pass_arg", None) is not None or (
                    getattr(
                        call.__func__ if type(call) is MethodType else call, "jinja_pass_arg", None
                    )
                    is not None
                )
            if marked:
                return Context.call(__self, __obj, *args, **kwargs)
            if kwargs:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception"
                )

    _FAST_CONTEXT = FastContext
    return FastContext


def new_context(
    template: jinja2.Template,
    vars: dict[str, Any] | None,
    shared: bool,
    locals: Any,
) -> jinja2.runtime.Context | None:
    """``template.new_context(vars, shared, locals)`` as Jinja makes it, for a template
    rendered with its globals (a ChainMap): their dict made with C updates, not by iterating
    over the ChainMap. None when Jinja's own way applies."""
    found = template.globals
    if _MISSING is None or type(found) is not ChainMap:
        return None
    if shared:  # an include: the including template's variables, as they are
        parent = vars if vars is not None else {}
        if locals:
            parent = dict(parent)  # (not changed in place: it is the includer's)
    else:
        parent = {}
        for names in reversed(found.maps):  # as dict(ChainMap) orders and overrides them
            parent.update(names)
        if vars:
            parent.update(vars)
    if locals:
        for key, value in locals.items():
            if value is not _MISSING:
                parent[key] = value
    env = template.environment
    return env.context_class(env, parent, template.name, template.blocks, globals=found)


def attribute_or_item(environment: jinja2.Environment, obj: Any, attribute: str) -> Any:
    """``environment.getattr(obj, attribute)`` (Jinja's, not a sandbox's), without an
    AttributeError raised and caught for an item (a dict's, a template's block)."""
    found = getattr(obj, attribute, NOT_FOUND)
    return found if found is not NOT_FOUND else item_or_undefined(environment, obj, attribute)


NOT_FOUND = object()  # (not Jinja's own marker, which an attribute could hold)


def item_or_undefined(environment: jinja2.Environment, obj: Any, attribute: str) -> Any:
    """What ``environment.getattr(obj, attribute)`` gives once ``getattr(obj, attribute)``
    has raised AttributeError: ``obj``'s item, or undefined (Jinja's Environment.getattr
    from its second step; a template's ``self.title`` is a block, an item)."""
    try:
        return obj[attribute]
    except (TypeError, LookupError, AttributeError):
        return environment.undefined(obj=obj, name=attribute)


def include_context(
    template: jinja2.Template, context: jinja2.runtime.Context, locals: dict[str, Any]
) -> jinja2.runtime.Context:
    """``template.new_context(context.get_all(), True, locals)``, the context of an included
    template (an article page includes ~6), made in one step: the including template's
    variables and ``locals`` in one new dict (get_all and new_context each made one), and
    the context without the calls in between."""
    found = template.globals
    env = template.environment
    if type(found) is not ChainMap or env.context_class is not _FAST_CONTEXT:
        return template.new_context(context.get_all(), True, locals)
    parent = context.parent
    names = context.vars
    if names or locals:
        parent = {**parent, **names}
        for key, value in locals.items():
            if value is not _MISSING:
                parent[key] = value
    return _FAST_CONTEXT(env, parent, template.name, template.blocks, found)


_MISSING: object = None  # Jinja's marker of a name not set (Jinja is imported lazily)
_FAST_CONTEXT: type[jinja2.runtime.Context] | None = None  # context_class(), once made
