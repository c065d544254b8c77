"""Templates run on a budget: a project's templates/ are untrusted code in a small
language, and Jinja's sandbox stops them from reaching Python's internals but not from
running for hours (`range(10**5)` nested twice), filling memory (`"x" * 10**10`,
`lipsum(n=3e7)`) or recursing without end. Every render here is bounded in time and
output, and each of those ends as a TemplateRuntimeError, which the build reports as a
`theme.render` error at the template's line.

How the time is checked: a template's loops run over Python iterables and its output is
yielded chunk by chunk, so the deadline is checked as chunks come out and, every few
hundred numbers, inside the `range` a template gets (a loop that prints nothing still
counts its turns there). Sizes are checked before the work: `*` and `**` are
intercepted, and calls with enormous numbers (`"x".ljust(10**9)`) are refused."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from contextvars import ContextVar
from typing import cast

from jinja2 import Template
from jinja2.exceptions import TemplateRuntimeError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum

RENDER_SECONDS = 20.0  # one page; the theme's own pages take milliseconds
MAX_OUTPUT_CHARS = 64 * 1024 * 1024  # one page
MAX_RANGE = 1_000_000  # numbers in one range()
MAX_SEQUENCE = 1_000_000  # items or characters made by one `*`
MAX_NUMBER_ARG = 10_000_000  # an int handed to any call (widths, counts, repeats)
MAX_POWER_DIGITS = 10_000  # digits of a ** result
MAX_LIPSUM = 100  # paragraphs, and words per paragraph
_TICK = 256  # range items between two looks at the clock

_deadline: ContextVar[float] = ContextVar("template_deadline", default=float("inf"))


def _over_time() -> None:
    if time.monotonic() > _deadline.get():
        raise TemplateRuntimeError(
            f"the template ran for more than {RENDER_SECONDS:g} s on one page "
            "(templates run with a time budget)"
        )


def _ticking(numbers: range) -> Iterator[int]:
    for i, n in enumerate(numbers):
        if not i % _TICK:
            _over_time()
        yield n


def bounded_range(*args: int) -> Iterator[int]:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateRuntimeError(
            f"range() of {len(numbers):,} numbers is more than a template may make ({MAX_RANGE:,})"
        )
    return _ticking(numbers)


def bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    if not 0 <= n <= MAX_LIPSUM or not 0 <= min <= max <= MAX_LIPSUM:
        raise TemplateRuntimeError(f"lipsum() makes at most {MAX_LIPSUM} paragraphs of words")
    return str(generate_lorem_ipsum(n=n, html=html, min=min, max=max))


def _size(value: object) -> int | None:
    return len(value) if isinstance(value, str | bytes | list | tuple) else None


class BoundedTemplate(Template):
    def render(self, *args: object, **kwargs: object) -> str:
        token = _deadline.set(time.monotonic() + RENDER_SECONDS)
        chunks: list[str] = []
        size = 0
        pages = cast(Generator[str, None, None], self.generate(*args, **kwargs))
        try:
            for count, chunk in enumerate(pages):
                size += len(chunk)
                chunks.append(chunk)
                try:
                    if size > MAX_OUTPUT_CHARS:
                        raise TemplateRuntimeError(
                            f"the template wrote more than {MAX_OUTPUT_CHARS // 2**20} MB for "
                            "one page (templates run with an output budget)"
                        )
                    if not count % _TICK:
                        _over_time()
                except TemplateRuntimeError as exc:
                    # thrown in where the template stands, so the error names its line
                    pages.throw(exc)
        except RecursionError as exc:
            raise TemplateRuntimeError(
                "the template calls a macro or includes a template without end"
            ).with_traceback(exc.__traceback__) from None
        except MemoryError as exc:
            raise TemplateRuntimeError("the template ran out of memory").with_traceback(
                exc.__traceback__
            ) from None
        finally:
            _deadline.reset(token)
        return "".join(chunks)


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with budgets (see the module's text)."""

    template_class = BoundedTemplate
    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = bounded_range
        self.globals["lipsum"] = bounded_lipsum

    def call_binop(self, context: Context, operator: str, left: object, right: object) -> object:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                length = _size(seq)
                if length is not None and isinstance(times, int) and length * times > MAX_SEQUENCE:
                    raise TemplateRuntimeError(
                        f"'*' would make {length * times:,} items or characters "
                        f"(at most {MAX_SEQUENCE:,})"
                    )
        if operator == "**" and isinstance(left, int) and isinstance(right, int):
            digits = abs(right) * max(len(str(abs(left))), 1)
            if right > 0 and abs(left) > 1 and digits > MAX_POWER_DIGITS:
                raise TemplateRuntimeError("'**' would make a number too large to print")
        return super().call_binop(context, operator, left, right)

    def call(
        __self,  # Jinja's signature: any keyword argument name stays free for the callee
        __context: Context,
        __obj: object,
        *args: object,
        **kwargs: object,
    ) -> object:
        _over_time()
        for value in (*args, *kwargs.values()):
            if isinstance(value, int | float) and abs(value) > MAX_NUMBER_ARG:
                raise TemplateRuntimeError(
                    f"a call with the number {value:,} is refused in a template "
                    f"(at most {MAX_NUMBER_ARG:,})"
                )
        return super().call(__context, __obj, *args, **kwargs)
