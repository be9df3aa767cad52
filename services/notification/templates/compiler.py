"""Turning template source into something safe to render: parse, check, compile, sandbox.

Every template, packaged or per-campaign, goes through :func:`compile_source`, which refuses

- a syntax error (with its line),
- a variable outside its kind's allow-list (``jinja2.meta.find_undeclared_variables``),
- attribute or item access to private names (``{{ ''.__class__ }}``) and ``include``/``import``/
  ``extends`` (there is no loader: a template is one self-contained string),
- anything that fails when rendered with the kind's sample values (a filter applied to the wrong
  type, an unsafe call the sandbox stops).

Rendering happens in a :class:`~jinja2.sandbox.SandboxedEnvironment` with
:class:`~jinja2.StrictUndefined` (a missing variable is an error, never an empty gap in a message),
no globals (no ``range``, ``lipsum``, ``namespace``…), and autoescape off: every channel is plain
text. ``None`` renders as empty, so optional values (an opinion) may be passed as ``None``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.sandbox import SandboxedEnvironment

from .catalog import CHANNELS, TITLED, VARIABLES, sample_context

#: the longest template source accepted (characters)
MAX_SOURCE = 4000
#: the longest string or list a template may build by multiplication
_MAX_PRODUCT = 1000
_MAX_EXPONENT = 64


class TemplateError(ValueError):
    """A template is refused or cannot be rendered; the message names the problem."""

    def __init__(self, kind: str, channel: str, problem: str) -> None:
        super().__init__(f"模板 {kind}/{channel}：{problem}")
        self.kind = kind
        self.channel = channel
        self.problem = problem


class TemplateRenderError(TemplateError):
    """A valid template failed on the context given (e.g. a variable is missing)."""


def cn_date(value: Any) -> str:
    """``date(2022, 10, 14)`` (or ``"2022-10-14"``) → ``2022年10月14日``; other values unchanged."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def cn_join(values: Any, limit: int = 3) -> str:
    """``["甲", "乙", "丙", "丁"]`` → ``“甲”、“乙”、“丙”等4项`` (keeps an SMS short)."""
    items = [str(v) for v in values]
    shown = "、".join(f"“{v}”" for v in items[:limit])
    return shown if len(items) <= limit else f"{shown}等{len(items)}项"


class _Sandbox(SandboxedEnvironment):
    """The stock sandbox, plus a bound on ``*`` and ``**`` so a template cannot build a huge value."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            if isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
                raise SecurityError("exponent too large")
            return operator.pow(left, right)
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int) and len(seq) * times > _MAX_PRODUCT:
                raise SecurityError("product too large")
        return operator.mul(left, right)


def _finalize(value: Any) -> Any:
    return "" if value is None else value


def make_environment() -> SandboxedEnvironment:
    env = _Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_finalize,
    )
    env.globals.clear()
    env.filters["cn_date"] = cn_date
    env.filters["cn_join"] = cn_join
    return env


@dataclass(frozen=True)
class Compiled:
    """A checked template: the subject (title) line for e-mail and inbox, and the body."""

    kind: str
    channel: str
    source: str
    subject: Callable[[dict[str, Any]], str] | None
    body: Callable[[dict[str, Any]], str]


def split_titled(source: str) -> tuple[str, str, int]:
    """E-mail and inbox sources start with a one-line subject (title), then the body.

    Returns ``(subject, body, lines before the body)``, the last for error messages.
    """
    stripped = source.lstrip("\n")
    head, _, rest = stripped.partition("\n")
    body = rest.lstrip("\n")
    before = len(source) - len(stripped) + 1 + len(rest) - len(body)
    return head, body, before if rest else 0


def _forbidden(tree: nodes.Template, offset: int) -> str | None:
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        return f"不允许使用 {type(node).__name__.lower()}（模板必须自成一体）"
    private: dict[str, int] = {}
    for getattr_ in tree.find_all(nodes.Getattr):
        if getattr_.attr.startswith("_"):
            private.setdefault(getattr_.attr, getattr_.lineno + offset)
    for getitem in tree.find_all(nodes.Getitem):
        if isinstance(getitem.arg, nodes.Const) and str(getitem.arg.value).startswith("_"):
            private.setdefault(str(getitem.arg.value), getitem.lineno + offset)
    if private:
        names = "、".join(f"{name}（第{line}行）" for name, line in sorted(private.items(), key=lambda p: (p[1], p[0])))
        return f"不允许访问私有属性 {names}"
    return None


def _compile_part(
    env: SandboxedEnvironment, kind: str, channel: str, part: str, what: str, offset: int = 0
) -> Callable[..., str]:
    def syntax(exc: TemplateSyntaxError) -> TemplateError:
        return TemplateError(kind, channel, f"{what}语法错误（第{exc.lineno + offset}行）：{exc.message}")

    try:
        tree = env.parse(part)
    except TemplateSyntaxError as exc:
        raise syntax(exc) from exc
    problem = _forbidden(tree, offset)
    if problem:
        raise TemplateError(kind, channel, f"{what}{problem}")
    allowed = VARIABLES[kind]
    try:
        undeclared = meta.find_undeclared_variables(tree)  # compiles: finds unknown filters and tests
    except TemplateSyntaxError as exc:
        raise syntax(exc) from exc
    unknown = sorted(undeclared - allowed)
    if unknown:
        raise TemplateError(
            kind, channel, f"{what}使用了未知变量 {', '.join(unknown)}；可用变量：{', '.join(sorted(allowed))}"
        )
    try:
        template = env.from_string(part)
    except TemplateSyntaxError as exc:
        raise syntax(exc) from exc
    return template.render


def check_kind_channel(kind: str, channel: str) -> None:
    if kind not in VARIABLES:
        raise TemplateError(kind, channel, f"未知的消息类型 {kind!r}；可用类型：{', '.join(VARIABLES)}")
    if channel not in CHANNELS:
        raise TemplateError(kind, channel, f"未知的渠道 {channel!r}；可用渠道：{', '.join(CHANNELS)}")


def compile_source(env: SandboxedEnvironment, kind: str, channel: str, source: str) -> Compiled:
    """Check and compile ``source`` for ``kind`` on ``channel``, or raise :class:`TemplateError`."""
    check_kind_channel(kind, channel)
    source = source.replace("\r\n", "\n")  # pasted from a Windows form
    if len(source) > MAX_SOURCE:
        raise TemplateError(kind, channel, f"模板过长（{len(source)} 字符，上限 {MAX_SOURCE}）")
    subject: Callable[..., str] | None = None
    if channel in TITLED:
        head, body_source, offset = split_titled(source)
        what = "标题" if channel == "inbox" else "邮件主题"
        if not head.strip():
            raise TemplateError(kind, channel, f"第一行应为{what}，不能为空")
        if not body_source.strip():
            raise TemplateError(kind, channel, f"{what}之后缺少正文")
        subject = _compile_part(env, kind, channel, head, what, source.count("\n", 0, source.index(head)))
        body = _compile_part(env, kind, channel, body_source, "正文", offset)
    else:
        if not source.strip():
            raise TemplateError(kind, channel, "模板为空")
        body = _compile_part(env, kind, channel, source, "")
    compiled = Compiled(kind, channel, source, subject, body)
    try:  # a trial run with sample values: catches what only shows when rendering
        render_compiled(compiled, sample_context(kind), error=TemplateError)
    except TemplateError as exc:
        raise TemplateError(kind, channel, f"用示例数据试渲染失败：{exc.problem}") from exc
    return compiled


def render_compiled(
    compiled: Compiled, context: dict[str, Any], *, error: type[TemplateError] = TemplateRenderError
) -> tuple[str | None, str]:
    """Render to ``(subject, text)``; the subject is one line, the text has no trailing blanks."""
    try:
        subject = compiled.subject(context) if compiled.subject else None
        text = compiled.body(context)
    except JinjaTemplateError as exc:  # UndefinedError, SecurityError, runtime TemplateRuntimeError
        raise error(compiled.kind, compiled.channel, f"{type(exc).__name__}: {exc.message or exc}") from exc
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise error(compiled.kind, compiled.channel, f"{type(exc).__name__}: {exc}") from exc
    if subject is not None:
        subject = " ".join(subject.split())  # one header line, whatever the values held
    return subject, text.strip()
