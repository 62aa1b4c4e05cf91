"""Forms that forgive (issue 21 item 3): a page's form that fails re-shows the page it came from,
with what was typed and the message beside the field, instead of a dead-end error page.

How: a page ``POST`` that fails with a person's mistake (a validation error, a business rule, a
conflict, a number past what the database holds) and came from a page of this site (its
``Referer``, same origin: ``Referrer-Policy: same-origin`` sends it) is answered ``303`` back to
that page, with a short-lived signed cookie holding the failure: the form's ``action``, the
message, the problems per field and the values typed (never a password, a CSRF token or a file).
:func:`zhixin.web.templating.render` reads the cookie when it draws that page, refills the form
whose ``action`` matches (:func:`refill`), puts each problem beside its field and the message at
the top of the form, answers ``422`` and clears the cookie. A message that names a field by its
label (``驳回须填写原因`` and the field labelled 原因) is put beside that field.

A request with no ``Referer`` (an API client, a test, a browser that sends none) gets the Chinese
error page as before; refusals (401/403/404/429) and server faults are never turned into a form.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

COOKIE = "zhixin_form"
MAX_AGE = 120  # seconds: the redirect is followed at once
MAX_COOKIE = 3600  # bytes of the cookie's value (browsers keep about 4 KB)
FORGIVEN = frozenset({400, 409, 413, 422})  # a person's mistake, answered by the form again
_SECRET_FIELDS = re.compile(r"password|passwd|secret|csrf|token", re.I)
_LONG_NUMBER = re.compile(r"^\s*[-+]?\d{16,}(\.\d*)?\s*$")
_LABEL_PUNCT = re.compile(r"[：:*＊\s]")
_BRACKETED = re.compile(r"[（(][^）)]*[）)]")


@dataclass
class Failure:
    """What a failed form post leaves for its page."""

    page: str  # path (and query) of the page the form is on
    action: str  # path the form posted to
    message: str
    problems: dict[str, str] = field(default_factory=dict)  # field name → reason
    values: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "p": self.page,
            "a": self.action,
            "m": self.message,
            "e": self.problems,
            "v": self.values,
        }


def _key(request: Request) -> bytes:
    secret: str = request.app.state.settings.secret_key
    return hashlib.sha256(b"zhixin-form:" + secret.encode()).digest()


def _encode(request: Request, failure: Failure) -> str:
    data = json.dumps(failure.as_json(), ensure_ascii=False, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(data).decode()
    mac = hmac.new(_key(request), body.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{body}.{mac}"


def _decode(request: Request, raw: str) -> Failure | None:
    body, _, mac = raw.rpartition(".")
    expected = hmac.new(_key(request), body.encode(), hashlib.sha256).hexdigest()[:32]
    if not body or not hmac.compare_digest(mac, expected):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
        return Failure(
            page=str(data["p"]),
            action=str(data["a"]),
            message=str(data["m"]),
            problems={str(k): str(v) for k, v in dict(data.get("e", {})).items()},
            values={str(k): [str(x) for x in v] for k, v in dict(data.get("v", {})).items()},
        )
    except (ValueError, KeyError, TypeError):
        return None


def referring_page(request: Request) -> str | None:
    """The same-origin page a form was posted from (path and query), or None."""
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.url.netloc:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def forgivable(request: Request, status: int) -> bool:
    return (
        request.method == "POST"
        and not request.url.path.startswith("/api/")
        and status in FORGIVEN
        and referring_page(request) is not None
    )


async def typed_values(request: Request) -> dict[str, list[str]]:
    """What was typed into the form (the parsed form Starlette keeps), less secrets and files."""
    kept = getattr(request.state, "posted_form", None)  # a later Request of the same scope
    try:
        form = kept if kept is not None else await request.form()
    except Exception:  # the body was streamed away or is not a form: nothing to refill
        return {}
    out: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str) and not _SECRET_FIELDS.search(name):
            out.setdefault(name, []).append(value[:500])
    return out


def long_numbers(values: dict[str, list[str]]) -> dict[str, str]:
    """The fields holding a number of 16 digits or more (what overflowed a column)."""
    return {
        name: "数字位数过多"
        for name, vs in values.items()
        if any(_LONG_NUMBER.match(v) for v in vs)
    }


async def back_to_form(
    request: Request, *, message: str, problems: dict[str, str] | None = None
) -> Response:
    """The 303 back to the form's page carrying the failure (module docstring)."""
    page = referring_page(request)
    assert page is not None
    values = await typed_values(request)
    failure = Failure(
        page=page,
        action=request.url.path,
        message=message,
        problems=problems or {},
        values=values,
    )
    raw = _encode(request, failure)
    if len(raw) > MAX_COOKIE:  # too much typed to carry: the message and problems still go
        failure.values = {}
        raw = _encode(request, failure)
    response = RedirectResponse(page, status_code=303)
    response.set_cookie(
        COOKIE,
        raw,
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def pending(request: Request) -> Failure | None:
    """The failure left for the page being drawn, if any."""
    raw = request.cookies.get(COOKIE)
    if not raw or request.method != "GET":
        return None
    failure = _decode(request, raw)
    if failure is None:
        return None
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return failure if failure.page == here else None


def forget(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


# -- refilling the form ----------------------------------------------------------------------

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


def _attrs_html(tag: str, attrs: list[tuple[str, str | None]], self_closing: bool) -> str:
    parts = [tag]
    for k, v in attrs:
        parts.append(k if v is None else f'{k}="{escape(v, quote=True)}"')
    return "<" + " ".join(parts) + (" />" if self_closing else ">")


def _error_html(msg: str, for_name: str | None = None) -> str:
    data = f' data-field="{escape(for_name)}"' if for_name else ""
    return f'<span class="error field-error" role="alert"{data}>{escape(msg)}</span>'


class _Refill(HTMLParser):
    """Rewrites a page's HTML: the form posting to ``failure.action`` gets the typed values
    back, a message at its top and each problem after its field; the rest is copied as it is."""

    def __init__(self, failure: Failure, labels: dict[str, str]) -> None:
        super().__init__(convert_charrefs=False)
        self.f = failure
        self.labels = labels  # field name → its label's text (for messages that name it)
        self.out: list[str] = []
        self.in_form = False
        self.found = False
        self.select: str | None = None
        self.textarea: str | None = None
        self.after_close: dict[str, str] = {}  # tag → error html to write after its end tag
        self.placed: set[str] = set()
        self.used: dict[str, int] = {}  # name → how many of its values were put back

    # the next value typed for a field of this name (a name may repeat: collateral rows)
    def _next(self, name: str) -> str | None:
        vs = self.f.values.get(name)
        if not vs:
            return None
        i = self.used.get(name, 0)
        self.used[name] = i + 1
        return vs[i] if i < len(vs) else None

    def _problem(self, name: str) -> str | None:
        if name in self.placed:
            return None
        msg = self.f.problems.get(name)
        if msg is None:
            return None
        self.placed.add(name)
        return _error_html(msg, name)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], self_closing: bool) -> None:
        raw = self.get_starttag_text() or _attrs_html(tag, attrs, self_closing)
        a = dict(attrs)
        if tag == "form":
            action = a.get("action") or ""
            method = (a.get("method") or "get").lower()
            if not self.found and method == "post" and action.split("?")[0] == self.f.action:
                self.in_form = self.found = True
                self.out.append(raw)
                if self.f.message not in self.f.problems.values():
                    self.out.append(_error_html(self.f.message))
                return
        if not self.in_form:
            self.out.append(raw)
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("hidden", "submit", "button", "file", "password", "image", "reset"):
                self.out.append(raw)
                return
            if kind in ("checkbox", "radio"):
                typed = self.f.values.get(name, [])
                on = (a.get("value") or "on") in typed
                attrs = [(k, v) for k, v in attrs if k != "checked"]
                if on:
                    attrs.append(("checked", None))
                self.out.append(_attrs_html(tag, attrs, self_closing))
            else:
                value = self._next(name)
                if value is not None:
                    attrs = [(k, v) for k, v in attrs if k != "value"] + [("value", value)]
                self.out.append(_attrs_html(tag, attrs, self_closing))
            problem = self._problem(name)
            if problem:
                self.out.append(problem)
            return
        if tag == "select" and name:
            self.select = name
            self.out.append(raw)
            return
        if tag == "option" and self.select is not None:
            chosen = self.f.values.get(self.select)
            if chosen is not None:
                attrs = [(k, v) for k, v in attrs if k != "selected"]
                if (a.get("value") or "") in chosen:
                    attrs.append(("selected", None))
                self.out.append(_attrs_html(tag, attrs, self_closing))
                return
            self.out.append(raw)
            return
        if tag == "textarea" and name:
            self.textarea = name
            self.out.append(raw)
            value = self._next(name)
            if value is not None:
                self.out.append(escape(value, quote=False))
            return
        self.out.append(raw)

    def handle_endtag(self, tag: str) -> None:
        if self.in_form and tag == "textarea" and self.textarea is not None:
            name, self.textarea = self.textarea, None
            self.out.append(f"</{tag}>")
            problem = self._problem(name)
            if problem:
                self.out.append(problem)
            return
        if self.in_form and tag == "select" and self.select is not None:
            name, self.select = self.select, None
            self.out.append(f"</{tag}>")
            problem = self._problem(name)
            if problem:
                self.out.append(problem)
            return
        if self.in_form and tag == "form":
            self.in_form = False
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.in_form and self.textarea is not None and self.textarea in self.f.values:
            return  # the typed text replaced what the page had
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        if not (self.in_form and self.textarea is not None and self.textarea in self.f.values):
            self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if not (self.in_form and self.textarea is not None and self.textarea in self.f.values):
            self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")


class _Labels(HTMLParser):
    """Each field's label text in the form posting to ``action`` (``<label>`` wrapping it, or
    ``for=`` its id)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.in_form = False
        self.label: list[str] | None = None
        self.label_for: str | None = None
        self.label_names: list[str] = []
        self.ids: dict[str, str] = {}
        self.by_for: dict[str, str] = {}
        self.labels: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.in_form = (a.get("action") or "").split("?")[0] == self.action
        if not self.in_form:
            return
        if tag == "label":
            self.label, self.label_for, self.label_names = [], a.get("for"), []
        elif tag in ("input", "select", "textarea") and a.get("name"):
            name = str(a["name"])
            if a.get("id"):
                self.ids[str(a["id"])] = name
            if self.label is not None:
                self.label_names.append(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        if tag == "label" and self.label is not None:
            text = _LABEL_PUNCT.sub("", _BRACKETED.sub("", "".join(self.label)))
            if text:
                for name in self.label_names:
                    self.labels.setdefault(name, text)
                if self.label_for:
                    self.by_for[self.label_for] = text
            self.label = None

    def handle_data(self, data: str) -> None:
        if self.label is not None:
            self.label.append(data)

    def result(self) -> dict[str, str]:
        for id_, text in self.by_for.items():
            if id_ in self.ids:
                self.labels.setdefault(self.ids[id_], text)
        return self.labels


def _named_field(message: str, labels: dict[str, str]) -> str | None:
    """The field a message names by its label, the longest label first."""
    said = _LABEL_PUNCT.sub("", message)
    for name, text in sorted(labels.items(), key=lambda kv: -len(kv[1])):
        if len(text) >= 2 and text in said:
            return name
    return None


def refill(html: str, failure: Failure) -> str:
    """The page with the failed form refilled and its problems shown (module docstring)."""
    finder = _Labels(failure.action)
    finder.feed(html)
    finder.close()
    labels = finder.result()
    if not failure.problems:
        named = _named_field(failure.message, labels)
        if named:
            failure.problems = {named: failure.message}
    writer = _Refill(failure, labels)
    writer.feed(html)
    writer.close()
    out = "".join(writer.out)
    if not writer.found:  # the form is gone from the page: the message above the content
        note = _error_html(failure.message)
        out = out.replace("<main>", "<main>" + note, 1)
    return out
