"""The ``marketreview`` command: a thin shell over the library. Each command parses, calls one public function,
prints, and turns a MarketReviewError into a clean message and exit code 2."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import BadArgumentError, MarketReviewError, RenderError

if TYPE_CHECKING:
    from .render.images import Exhibit
    from .render.images.options import ImageOptions
    from .report.model import Report

EXIT_ERROR = 2
#: A build lists at most this many kinds of warning on stderr; the workbook marks every cell.
MAX_WARNING_LINES = 20


def _progress(stream: Any = None) -> Any:
    """A one-line progress bar on stderr: ``[#####-----] 1/2 yahoo``."""
    out = stream or sys.stderr

    def show(label: str, done: int, total: int) -> None:
        width = 20
        filled = int(width * done / max(total, 1))
        out.write(f"\r[{'#' * filled}{'-' * (width - filled)}] {done}/{total} fetching from {label}")
        if done >= total:
            out.write("\n")
        out.flush()

    return show


def _engine(args: argparse.Namespace) -> Any:
    from .app import open_engine

    engine = open_engine(args.source, offline=args.offline or None, cache_path=args.cache, symbols_file=args.symbol_map)
    for message in engine.cache.messages:  # e.g. a damaged cache moved aside and rebuilt
        print(f"marketreview: {message}", file=sys.stderr)
    for warning in engine.symbols.warnings:  # a user's map rebinding a default alias or ticker
        print(f"warning: {warning}", file=sys.stderr)
    return engine


def _format(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def cmd_call(args: argparse.Namespace) -> int:
    from .functions import call, lookup

    function = lookup(args.func)
    values: list[Any] = list(args.args)
    for i, param in enumerate(function.params[: len(values)]):
        if param.name == "weeks":
            values[i] = _number(values[i], "weeks")
    engine = _engine(args)
    answer = call(engine, function.name, *values)
    assert not isinstance(answer, list)
    if engine.offline and answer.error is None:
        print(f"offline: answered from the cache, {_staleness(engine, function, values)}", file=sys.stderr)
    for warning in answer.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if answer.error is not None:
        print(answer.error.excel_text, file=sys.stderr)
        return EXIT_ERROR
    if function.returns == "table":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        for row in answer.value:
            writer.writerow([_format(v) for v in row])
    else:
        print(_format(answer.value))
    return 0


def _staleness(engine: Any, function: Any, values: list[Any]) -> str:
    """How old the cached data behind an offline answer is (its first symbol, or the S&P 500)."""
    from .functions import TENORS

    first = values[0] if values and isinstance(values[0], str) else ""
    name = TENORS.get(first.strip().upper(), first) if function.params[0].name == "tenor" else first
    alias = name if function.params[0].name in ("ticker", "tenor", "num") else "SP500"
    try:
        age = engine.staleness([alias])
        info = engine.cache.info(engine.ticker(alias))
    except MarketReviewError:
        age, info = None, None
    if age is None:
        return "never fetched"
    from .engine import CLOCK_SKEW, fetch_age

    fetched = (f"last {fetch_age(engine.clock() - age, engine.clock())}" if age < -CLOCK_SKEW
               else f"last fetched {age.total_seconds() / 3600:.1f} h ago")
    if info is None or info.last is None:
        return fetched
    return f"{fetched}; its data ends {info.last.isoformat()} ({(engine.today() - info.last).days} days ago)"


def _number(text: str, argument: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text  # the function reports it as a bad argument, naming it


def cmd_fetch(args: argparse.Namespace) -> int:
    from .report.build import needed_symbols

    if args.offline:
        raise BadArgumentError("--offline", True, "fetch needs a source to fetch from; drop --offline")
    engine = _engine(args)
    if args.retry_unknown:
        print(f"retrying {engine.cache.forget_unknown()} tickers remembered as unknown", file=sys.stderr)
    from .wanted import record_outcome, wanted_names

    wanted = wanted_names(engine) if args.all or not args.symbols else []
    names = [*needed_symbols(engine), *wanted] if args.all or not args.symbols else list(args.symbols)
    report = engine.ensure(names, progress=_progress())
    record_outcome(engine, wanted)
    requests = ", ".join(f"{k}: {v}" for k, v in report.requests.items()) or "none (cache is up to date)"
    print(f"fetched {len(report.fetched)} symbols, {report.rows} new rows; requests {requests}; "
          f"cache {engine.cache.path}")
    for alias, error in report.failed.items():
        print(f"failed: {alias}: {error}", file=sys.stderr)
    holdings_failed = False
    if args.all or not args.symbols:
        try:
            snapshot = engine.refresh_holdings()
        except MarketReviewError as exc:
            holdings_failed = True
            print(f"failed: MAG7SHARE holdings snapshot: {exc}", file=sys.stderr)
        else:
            if snapshot is not None:
                print(f"stored the MAG7SHARE holdings snapshot of {snapshot.date.isoformat()} ({snapshot.source})")
    return EXIT_ERROR if report.failed or holdings_failed else 0


def cmd_build(args: argparse.Namespace) -> int:
    from .render.xlsx import write_xlsx

    out = Path(args.out)
    if out.is_dir():
        raise RenderError(str(out), "is a folder, not a file")
    if out.suffix.lower() != ".xlsx":
        raise BadArgumentError("--out", args.out, "a built review is a macro-free workbook: name it .xlsx "
                               "(`marketreview template` writes the macro-enabled .xlsm)")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(str(out), f"cannot create the folder {out.parent}: {exc.strerror or exc}") from exc
    if not getattr(args, "values", False):  # the living workbook is the default (--living says so too)
        path, report = _write_living(args, out)
    else:
        report = _report(args)
        path = write_xlsx(report, out)
    demo = " — DEMO (synthetic) data" if report.demo else ""
    failed = f"; {len(report.failed)} symbols failed: {', '.join(report.failed)}" if report.failed else ""
    print(f"wrote {path} ({len(report.sheets)} sheets, as of {report.as_of.isoformat()}, "
          f"source {report.source}{demo}{failed})")
    _print_report_warnings(report)
    return 0


def _write_living(args: argparse.Namespace, out: Path) -> tuple[Path, Report]:
    """``build`` (``--living``): the workbook whose figures are formulas over its own data sheet (render/living),
    with the report's settings (the YTD basis, the years' dating), which its formulas follow."""
    from .calc.periods import parse_date
    from .render.living import write_living
    from .report.build import build_report

    engine = _engine(args)
    as_of = parse_date(args.asof, "asof") if args.asof else None
    report = build_report(engine, as_of, args.lang, progress=_progress(),
                          macro_list=getattr(args, "macro_list", None), ytd_basis=args.ytd_basis.replace("-", "_"),
                          year_dating=args.year_dating.replace("-", "_"))
    return write_living(report, engine, out), report


def _is_unfilled_note(warning: str) -> bool:
    from .report.cells import is_unfilled_note

    return is_unfilled_note(warning)


def _print_report_warnings(report: Report) -> None:
    """The ``warning:`` lines of a report, the same for build, review and charts: the series it could not fill
    in one line, then one line per kind of figure warning."""
    _print_unfilled(report)
    _print_warnings([w for w in report.warnings() if not _is_unfilled_note(w)])


def _print_unfilled(report: Report) -> None:
    """One line, in the report's language, for every series the build could not fill (the Sources sheet's
    status: the files a CSV folder lacks, then the fetches that failed)."""
    status = next((s.status for s in report.sheets if s.key == "sources"), "")
    if status:
        print(f"warning: {status}", file=sys.stderr)


def _report(args: argparse.Namespace) -> Report:
    """The review as of ``--asof`` in ``--lang`` from the command's engine (build, charts and review)."""
    from .calc.periods import parse_date
    from .report.build import build_report

    as_of = parse_date(args.asof, "asof") if args.asof else None
    return build_report(_engine(args), as_of, args.lang, progress=_progress(),
                        macro_list=getattr(args, "macro_list", None),
                        ytd_basis=args.ytd_basis.replace("-", "_"), year_dating=args.year_dating.replace("-", "_"))


def _print_warnings(warnings: list[str]) -> None:
    """One ``warning:`` line per kind of warning: those that differ only in their dates and numbers (a note on
    each of 53 weekly rows) are one line with a count."""
    kinds: dict[str, list[str]] = {}
    for warning in warnings:
        kinds.setdefault(re.sub(r"\d+", "#", warning), []).append(warning)
    for similar in list(kinds.values())[:MAX_WARNING_LINES]:
        more = f" (and {len(similar) - 1} more like it)" if len(similar) > 1 else ""
        print(f"warning: {similar[0]}{more}", file=sys.stderr)
    if len(kinds) > MAX_WARNING_LINES:
        print(f"warning: … and {len(kinds) - MAX_WARNING_LINES} more kinds (each marked on its cell)", file=sys.stderr)


def _chart_options(args: argparse.Namespace) -> ImageOptions:
    """The images' size and credit from ``--size``, ``--credit`` (else the credit setting) and
    ``--no-credit-in-image``, checked before any report is built."""
    from . import settings

    try:
        from .render.images.options import ImageOptions
    except ModuleNotFoundError as exc:
        raise _no_charts_extra(exc) from exc
    credit = args.credit if args.credit is not None else settings.load().credit
    return ImageOptions.parse(args.size, credit, credit_in_image=not args.no_credit_in_image)


def _no_charts_extra(exc: ModuleNotFoundError) -> RenderError:
    if (exc.name or "").split(".")[0] not in ("matplotlib", "matplotlib_fontja"):
        raise exc
    return RenderError("chart images", f"need {exc.name}, which is not installed: "
                                       "python -m pip install \"marketreview[charts]\"")


def _write_charts(report: Report, out: Path, options: ImageOptions) -> list[Exhibit]:
    """The chart images (the optional ``charts`` extra: matplotlib), sized and credited as the options say."""
    try:
        from .render.images import write_charts
        from .render.images.credits import uncredited_warning
    except ModuleNotFoundError as exc:
        raise _no_charts_extra(exc) from exc
    written = write_charts(report, out, options)
    for item in written.not_drawn:  # one line each: the file (or source) that would fill it
        print(f"not drawn: {item.line()}", file=sys.stderr)
    exhibits = list(written)
    warning = uncredited_warning(report, options, [name for e in exhibits for name in e.served])
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return exhibits


def _image_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--size", help="image size in pixels, WIDTHxHEIGHT or blog (1600x900, the default), x (1200x675) "
                                  "or print (2400x1350)")
    p.add_argument("--credit", help="the provider the 出所 line names for CSV data whose index.csv has no source "
                                    "column (default: the credit setting)")
    p.add_argument("--no-credit-in-image", action="store_true",
                   help="leave the 出所 and 期間 lines out of the images (they stay in the captions)")


def cmd_charts(args: argparse.Namespace) -> int:
    from .render.atomic import output_folder

    output_folder(args.out)  # before the report is built: a bad --out costs nothing
    options = _chart_options(args)
    report = _report(args)
    exhibits = _write_charts(report, Path(args.out), options)
    demo = " — DEMO (synthetic) data" if report.demo else ""
    print(f"wrote {len(exhibits)} images to {Path(args.out).absolute()} (as of {report.as_of.isoformat()}, "
          f"source {report.source}{demo})")
    for exhibit in exhibits:
        print(f"  {exhibit.path.name}: {exhibit.title}")
    _print_report_warnings(report)
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from .render.atomic import atomic_write, output_file, output_folder
    from .render.markdown import render_review

    suffixes, what = {"md": ((".md", ".markdown"), "Markdown"), "note": ((".md", ".txt"), "note.com text"),
                      "text": ((".txt", ".text"), "plain text"), "html": ((".html", ".htm"), "HTML")}[args.format]
    out = output_file(args.out, suffixes, f"--format {args.format} writes {what}") if args.out else None
    if args.charts:
        output_folder(args.charts, "--charts")
    options = _chart_options(args) if args.charts else None
    report = _report(args)
    _print_report_warnings(report)
    # the images first, so the Markdown never embeds a picture that was not written
    exhibits = _write_charts(report, Path(args.charts), options) if options is not None and args.charts else []
    base = out.parent.resolve() if out else (Path.cwd() if exhibits else None)
    text = render_review(report, args.format, exhibits, base=base)
    if out is None:
        sys.stdout.write(text)
        return 0

    def write(temp: Path) -> None:
        temp.write_text(text, encoding="utf-8")

    atomic_write(out, write)
    images = f", {len(exhibits)} images in {args.charts}" if exhibits else ""
    print(f"wrote {out} (as of {report.as_of.isoformat()}, source {report.source}"
          f"{' — DEMO (synthetic) data' if report.demo else ''}{images})")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from .excel.template import build_template

    path = build_template(Path(args.out))
    print(f"wrote {path}")
    return 0


def cmd_symbols(args: argparse.Namespace) -> int:
    from .render.escape import csv_cell
    from .symbols import SymbolMap

    symbols = SymbolMap.default()
    if args.symbol_map:
        symbols = symbols.with_overrides(Path(args.symbol_map))
        for warning in symbols.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["alias", "tickers", "group", "label_en", "label_ja"])
    for info in symbols:  # outside text: a leading = + - @ is quoted, so a spreadsheet never runs it
        writer.writerow([csv_cell(v) for v in (info.alias, "|".join(info.tickers), info.group, info.label_en,
                                                info.label_ja)])
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from . import settings

    if args.reset:
        print(f"settings reset to the defaults: {settings.reset()}")
    changes: dict[str, Any] = {key: getattr(args, key) for key in settings.KEYS if getattr(args, key) is not None}
    changes.update(dict.fromkeys(args.unset or ()))
    if changes:
        settings.save(changes)
    stored = settings.read_file()
    current = settings.load()
    print(f"settings file: {settings.settings_path()}")
    for key, value in settings.describe(current).items():
        variable = settings.ENVIRONMENT[key]
        origin = (f"${variable}" if os.environ.get(variable, "").strip() else
                  "file" if key in stored else "default")
        if key == "jquants_key" and origin == "default" and value:  # J-Quants' own variable
            origin = f"${settings.JQUANTS_CLIENT_VARIABLE}"
        print(f"{key} = {'' if value is None else value}  ({origin})")
    from .app import cache_in_use

    print(f"cache file in use: {cache_in_use(current)} (every source's rows, each keyed by its source)")
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--source", help="auto (FRED for yields, Yahoo for the rest), yahoo, fred, demo or csv:DIR")
    common.add_argument("--offline", action="store_true", help="answer from the cache alone; never fetch")
    common.add_argument("--cache", type=Path, help="SQLite cache file (default: $MARKETREVIEW_CACHE or the settings "
                                                   "file's, else the user cache folder's; one file for every source)")
    common.add_argument("--symbol-map", type=Path, help="CSV of symbol-map rows overriding the default map")

    top = argparse.ArgumentParser(prog="marketreview", description="Market-review figures and workbooks.")
    top.add_argument("--version", action="version", version=f"marketreview {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("call", parents=[common], help="evaluate a worksheet function, e.g. PERF SP500 1W")
    p.add_argument("func")
    p.add_argument("args", nargs="*")
    p.set_defaults(run=cmd_call)

    p = sub.add_parser("fetch", parents=[common], help="warm the cache")
    p.add_argument("symbols", nargs="*")
    p.add_argument("--all", action="store_true", help="every symbol the workbook uses")
    p.add_argument("--retry-unknown", action="store_true",
                   help="ask again for tickers a source said it does not know (remembered for 30 days)")
    p.set_defaults(run=cmd_fetch)

    p = sub.add_parser("build", parents=[common], help="build the distributable workbook (.xlsx)")
    p.add_argument("--asof", help="the review as it stood on this date (default: the latest close)")
    p.add_argument("--lang", choices=("ja", "en"), default="ja")
    p.add_argument("--out", required=True, help="output .xlsx file")
    p.add_argument("--macro-list", type=Path, help="CSV list of the Macro sheet's series (default: data/macro.csv)")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--living", action="store_true",
                      help="figures as formulas over the file's own data: change AsOf on the first sheet (the "
                           "default)")
    kind.add_argument("--values", action="store_true", help="values only, no formulas")
    _add_year_options(p)
    p.set_defaults(run=cmd_build)

    p = sub.add_parser("charts", parents=[common], help="write the review's chart images (PNG) for a blog post")
    p.add_argument("--asof", help="the review as it stood on this date (default: the latest close)")
    p.add_argument("--lang", choices=("ja", "en"), default="ja")
    p.add_argument("--out", required=True, help="output folder for the PNG files")
    _add_year_options(p)
    _image_options(p)
    p.set_defaults(run=cmd_charts)

    p = sub.add_parser("review", parents=[common],
                       help="the week's review, paste-ready: Markdown (md), plain text, note.com (note) or HTML")
    p.add_argument("--asof", help="the review as it stood on this date (default: the latest close)")
    p.add_argument("--lang", choices=("ja", "en"), default="ja")
    p.add_argument("--format", choices=("md", "text", "note", "html"), default="md")
    p.add_argument("--out", help="output file (default: standard output)")
    p.add_argument("--charts", help="also write the chart images into this folder and embed them as exhibits")
    _add_year_options(p)
    _image_options(p)
    p.set_defaults(run=cmd_review)

    p = sub.add_parser("template", help="regenerate the macro-enabled template workbook")
    p.add_argument("--out", default="workbook/MarketReview.xlsm")
    p.set_defaults(run=cmd_template)

    p = sub.add_parser("config", help="show or change the settings the workbook's formulas and Refresh share")
    p.add_argument("--source", help="auto, yahoo, fred, demo or csv:DIR")
    p.add_argument("--cache", help="SQLite cache file (default: prices.sqlite in the user cache folder, every source)")
    p.add_argument("--offline", choices=("true", "false"), help="answer from the cache alone")
    p.add_argument("--lang", choices=("ja", "en"))
    p.add_argument("--jquants-key", dest="jquants_key", metavar="KEY",
                   help="J-Quants API key (Light plan or above) that serves TOPIX itself with --source auto/yahoo")
    p.add_argument("--credit", help="the provider chart images name for CSV data whose index.csv has no source")
    p.add_argument("--unset", action="append",
                   choices=("source", "cache", "offline", "lang", "jquants_key", "credit"),
                   help="remove a setting from the file (back to its default)")
    p.add_argument("--reset", action="store_true",
                   help="replace the settings file (even a damaged one) by the defaults")
    p.set_defaults(run=cmd_config)

    p = sub.add_parser("symbols", parents=[common], help="list the symbol map")
    p.set_defaults(run=cmd_symbols)
    return top


def _add_year_options(p: argparse.ArgumentParser) -> None:
    """--ytd-basis and --year-dating (build, charts and review)."""
    p.add_argument("--ytd-basis", choices=("asof", "us-close"), default="asof",
                   help="us-close: the US figures' year to date ends at the last US close before --asof "
                        "(a Japanese date; Friday's close for a Saturday, Thursday's for a Friday)")
    p.add_argument("--year-dating", choices=("year-end", "first-session"), default="year-end",
                   help="the previous years' block: year-end close to year-end close, or first session of the "
                        "year to the first of the next")


_DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _silence_deprecations() -> None:
    """Drop deprecation warnings raised outside MarketReview. A display hook rather than a filter, because
    yfinance inserts its own filter when it is imported (later, lazily)."""
    shown = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None,
             line: str | None = None) -> None:
        if issubclass(category, _DEPRECATIONS) and "marketreview" not in filename:
            return
        shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def main(argv: Sequence[str] | None = None) -> int:
    if not sys.warnoptions:  # third-party deprecation noise (pandas via yfinance) is not for the user
        _silence_deprecations()
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except MarketReviewError as exc:
        print(f"marketreview: {exc.excel_text}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
