"""The command line: parse flags, run a build or a check, print problems, set the exit code.

Exit codes: 0 success, 1 a failed build (or any problem under --strict), 2 a usage error.
"""

from __future__ import annotations

import os
import sys

from sitegen import __version__

# Not typing's: a build with nothing changed imports nothing it can do without (see main).
TYPE_CHECKING = False
if TYPE_CHECKING:  # imported when needed, so --version and --help stay instant
    import argparse
    from pathlib import Path
    from typing import Any

    from sitegen import nochange
    from sitegen.build import BuildResult
    from sitegen.config import SiteConfig


# The commands, in the order --help lists them: (name, help, description).
_COMMANDS = (
    (
        "build",
        "build the site into the output folder",
        "Build the site. Settings come from sitegen.toml or [tool.sitegen] in "
        "pyproject.toml; flags override them.",
    ),
    (
        "check",
        "validate the content and report problems; write nothing",
        "Read and validate every content file; write nothing.",
    ),
    (
        "serve",
        "build, serve the site locally and rebuild it when files change",
        "Build the site, serve the output folder, watch the content, templates "
        "and settings, rebuild on every change and reload open browser tabs.",
    ),
    (
        "init",
        "create a new site: settings, sample content, GitHub Pages workflow",
        "Create a site skeleton in DIR (default: the current folder). "
        "Existing files are kept, never overwritten.",
    ),
    ("theme", "work with the default theme", "Work with the default theme."),
)


def make_parser(first: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser. ``first``: the command line's first word; when it names a
    command, only that command's parser is made (the others cannot read that command line:
    making them was ~5 ms of every build)."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(
        prog="sitegen", description="Build a static site from a folder of news article digests."
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    named = [c for c in _COMMANDS if c[0] == first] or _COMMANDS
    made = {name: commands.add_parser(name, help=h, description=d) for name, h, d in named}
    build_cmd, check_cmd, serve_cmd = (made.get(n) for n in ("build", "check", "serve"))
    for sub in (build_cmd, check_cmd, serve_cmd):
        if sub is None:
            continue
        _add_site_options(sub)
        sub.add_argument("--output", type=Path, help="output folder (default: output)")
        sub.add_argument("--base-url", help="published URL, e.g. https://owner.github.io/repo/")
    for sub in (build_cmd, serve_cmd):
        if sub is None:
            continue
        sub.add_argument("--templates", type=Path, help="the site's templates folder")
        sub.add_argument(
            "--no-search",
            dest="search",
            action="store_false",
            default=None,
            help="skip the Pagefind search index and page",
        )
        sub.add_argument(
            "--jobs",
            "-j",
            type=int,
            default=None,
            metavar="N",
            help="processes to build with (default: one per core; 1: no pool)",
        )
        sub.add_argument(
            "--no-cache",
            action="store_true",
            help="ignore the build cache (.sitegen-cache/ beside the output folder)",
        )
        sub.add_argument("--profile", action="store_true", help="print the time of each stage")
    if serve_cmd is not None:
        serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
        serve_cmd.add_argument(
            "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
        )
    if check_cmd is not None:
        check_cmd.add_argument(
            "--links",
            action="store_true",
            help="also check that every internal link and asset in the output folder resolves",
        )
    if "init" in made:
        made["init"].add_argument("dir", nargs="?", type=Path, default=Path("."), metavar="DIR")
    if "theme" in made:
        theme_actions = made["theme"].add_subparsers(dest="action", required=True, metavar="ACTION")
        export_cmd = theme_actions.add_parser(
            "export",
            help="copy the default templates into the site's templates folder",
            description="Copy the default theme's templates and static files into DIR "
            "(default: the site's templates folder) for full control. Existing files are "
            "never overwritten.",
        )
        export_cmd.add_argument("dir", nargs="?", type=Path, help="target folder")
        export_cmd.add_argument("--config", type=Path, help="settings file, for the default DIR")
    return parser


def plain_build_args(flags: nochange.Flags) -> argparse.Namespace:
    """What ``make_parser().parse_args`` gives for the plain ``build`` command line that
    ``nochange.parse`` read as ``flags`` (each value the last one given, as argparse)."""
    from pathlib import Path
    from types import SimpleNamespace

    values = flags.values()
    paths = {name: Path(values[f"--{name}"]) if f"--{name}" in values else None for name in _PATHS}
    args = SimpleNamespace(
        command="build",
        **paths,
        drafts=True if "--drafts" in flags.key else None,
        strict=flags.strict,
        quiet=flags.quiet,
        all_problems=flags.all_problems,
        base_url=values.get("--base-url"),
        search=False if "--no-search" in flags.key else None,
        jobs=flags.jobs,
        no_cache=False,
        profile=flags.profile,
    )
    return args  # type: ignore[return-value]  # (read as a Namespace, by attribute)


_PATHS = ("config", "content", "output", "templates")  # build's options of type Path


def _add_site_options(sub: argparse.ArgumentParser) -> None:
    from pathlib import Path

    sub.add_argument(
        "--config",
        type=Path,
        help="settings file (default: sitegen.toml, else [tool.sitegen] in pyproject.toml)",
    )
    sub.add_argument("--content", type=Path, help="content folder (default: content)")
    sub.add_argument(
        "--drafts",
        action="store_true",
        default=None,
        help="include digests marked 'published: false'",
    )
    sub.add_argument("--strict", action="store_true", help="exit 1 if there is any problem")
    sub.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    sub.add_argument(
        "--all-problems",
        action="store_true",
        help="print every problem, not the first few of each kind",
    )


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    flags = {
        "content": "content_dir",
        "output": "output_dir",
        "templates": "templates_dir",
        "base_url": "base_url",
        "drafts": "drafts",
        "search": "search",
    }
    values = {}
    for flag, setting in flags.items():
        value = getattr(args, flag, None)
        if value is not None:
            values[setting] = str(Path(value).resolve()) if isinstance(value, Path) else value
    return values


def main(argv: list[str] | None = None, *, hold: list[object] | None = None) -> int:
    """Run the command of ``argv``. ``hold``: the process ends right after (see run), so
    what a build made is kept in it rather than freed, and garbage is not collected."""
    from sitegen import nochange

    # First, before argparse and the settings are even imported: if nothing changed since
    # the last build with these flags, say so and stop.
    argv = sys.argv[1:] if argv is None else argv
    repeated = nochange.repeat(argv)
    if repeated is not None:
        return repeated
    # A plain build command line (every edit's) is read without argparse, whose import and
    # parser were ~10 ms of the edit's start; anything else goes through it.
    plain = nochange.parse(argv)
    if plain is not None:
        args = plain_build_args(plain)
    else:
        args = make_parser(argv[0] if argv else None).parse_args(argv)
    if args.command == "init":
        return _init(args.dir)
    from pathlib import Path

    from sitegen.config import ConfigError, load_config
    from sitegen.gcpause import gc_paused

    if args.command == "theme":
        return theme_export(args)
    try:
        config = load_config(Path.cwd(), args.config, _overrides(args))
    except ConfigError as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        from sitegen.serve import serve  # the dev server's imports stay out of builds

        return serve(config, args)
    if getattr(args, "jobs", None) is not None and args.jobs < 1:
        print("sitegen: --jobs must be at least 1", file=sys.stderr)
        return 2
    # No record answered (a first build): the content is scanned on the other core while
    # this process imports and prepares the build (see nochange.content_scanned).
    nochange.scan_aside(str(config.path("content_dir")))
    flags = nochange.parse(argv) if args.command == "build" else None
    # Noted before the build: a template edited while it runs shows as changed next time.
    watch = nochange.Watch(flags, config) if flags is not None else None
    # No cyclic garbage collection from here on, as in serve's rebuilds: the site in memory
    # (millions of objects at 10,000 articles, most read from the build cache) would be
    # walked again and again (3 of 15 CPU s of an edit) for next to no garbage. The
    # ``sitegen`` command ends right after (see run).
    if hold is not None:
        # Not enabled again: its first collection would walk everything the build made
        # (0.7 CPU s after a 10,000-article edit), just before the process ends; nor is
        # what the build made freed, object by object (0.35 s).
        import gc

        gc.disable()
        return _build(args, config, watch, hold)
    with gc_paused():
        return _build(args, config, watch)


def _build(
    args: argparse.Namespace,
    config: SiteConfig,
    watch: nochange.Watch | None,
    hold: list[object] | None = None,
) -> int:
    """Build or check the site as ``args`` say, print the outcome; the exit code. What the
    build made is kept in ``hold`` (when given) for as long as the caller keeps that."""
    from sitegen import nochange
    from sitegen.build import BuildError, build
    from sitegen.problems import format_problems
    from sitegen.progress import Progress

    try:
        result = build(
            config,
            write=args.command == "build",
            jobs=getattr(args, "jobs", None),
            use_cache=not getattr(args, "no_cache", False),
            progress=Progress(enabled=not args.quiet),
            log=lambda line: print(line, file=sys.stderr),
            hold=hold,
            output_checked=nochange.output_intact,
            content_scanned=nochange.content_scanned,
        )
        if hold is not None:
            hold.append(result)
    except BuildError as exc:
        print(f"sitegen: build failed: {exc}", file=sys.stderr)
        print("sitegen: the output folder was left as it was", file=sys.stderr)
        return 1
    finally:
        nochange.forget_output_checks()
    if watch is not None:
        nochange.save(watch, result, config)
    for line in format_problems(
        result.problems, limit_repeats=0 if args.all_problems or args.strict else 5
    ):
        print(line, file=sys.stderr)
    if not args.quiet:
        print(summary(result, config, args.command))
        for note in result.notes:
            print(f"note: {note}")
    if getattr(args, "profile", False):
        print(profile(result), file=sys.stderr)
    if args.command == "check" and args.links:
        return _check_links(config, quiet=args.quiet)
    if result.problems and args.strict:
        print(f"sitegen: {len(result.problems)} problem(s) and --strict: failing", file=sys.stderr)
        return 1
    return 0


def _init(target: Path) -> int:
    from sitegen.init import init_site

    report = init_site(target)
    for path in report.created:
        print(f"created {target / path}")
    for path in report.skipped:
        print(f"skipped {target / path}: it already exists (left as it was)")
    if not report.source_known:
        print(
            f"sitegen: edit {target / 'requirements.txt'}: put the URL of the sitegen git "
            "repository there (this sitegen was not installed from one)",
            file=sys.stderr,
        )
    print(f"next: cd {target} && sitegen build, then see 'Publish on GitHub Pages' in the README")
    return 0


def _check_links(config: SiteConfig, *, quiet: bool) -> int:
    from sitegen.linkcheck import check_links
    from sitegen.problems import format_problems

    output = config.path("output_dir")
    if not output.is_dir():
        print(f"sitegen: {output}: no built site to check; run sitegen build", file=sys.stderr)
        return 2
    broken = check_links(output, config.base_path, config.base_url)
    for line in format_problems(broken, limit_repeats=0):
        print(line, file=sys.stderr)
    if not quiet:
        print(f"checked links in {output}: {len(broken)} broken")
    return 1 if broken else 0


def theme_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sitegen.config import ConfigError, load_config
    from sitegen.theme import ThemeError, export_theme

    try:
        target = args.dir or load_config(Path.cwd(), args.config).path("templates_dir")
        report = export_theme(target)
    except (ConfigError, ThemeError, OSError) as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    for rel in report.kept:
        print(f"kept {rel} (already there)")
    print(f"copied {len(report.copied)} file(s) into {report.target}, kept {len(report.kept)}")
    return 0


def profile(result: BuildResult) -> str:
    """Seconds per stage, one a line, then the total."""
    from sitegen.nochange import profile_table

    return profile_table(result.timings)


def summary(result: BuildResult, config: SiteConfig, command: str) -> str:
    from sitegen.nochange import drafts_text, summary_line

    drafts = drafts_text(config.drafts, result.drafts_skipped)
    seconds = sum(result.timings.values())
    if command == "check":
        return (
            f"checked {result.articles} article(s), {drafts}, {len(result.problems)} "
            f"problem(s) in {seconds:.2f} s"
        )
    written = result.written
    files = (len(written.written), written.unchanged, len(written.deleted)) if written else None
    return summary_line(
        result.articles,
        result.pages,
        files,
        drafts,
        len(result.problems),
        seconds,
        str(config.path("output_dir")),
    )


def run() -> None:
    """The ``sitegen`` command: main(), then exit at once. What a build leaves in memory
    (hundreds of MB at 10,000 articles, some of it in reference cycles) would otherwise be
    collected and freed object by object at exit: 1.5 s after an edit, for nothing."""
    import gc

    hold: list[object] = []  # what the build made, never freed: the process ends here
    code = main(hold=hold)
    gc.disable()  # (serve enabled it: a collection now would walk everything, for nothing)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        pass  # a closed pipe: nothing more to say
    os._exit(code)


if __name__ == "__main__":
    run()
