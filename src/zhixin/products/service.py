"""Product use cases: the current version of a shipped product, stored versions, listing.

A product's version is its content hash: :func:`current` reads the shipped file, and stores the
validated body the first time that exact body is used (an edited file is a new row, an unchanged
one reuses its row). Quotes and applications keep the row's id, so :func:`by_version` gives back
exactly the terms they were made under.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Forbidden, Invalid, NotFound, ZhixinError
from zhixin.kit import clock
from zhixin.lpr import service as lpr
from zhixin.products import describe, loader, rules
from zhixin.products import repository as repo
from zhixin.products.loader import LoadedProduct, ProductInvalid
from zhixin.products.models import ProductVersion
from zhixin.products.schema import Product
from zhixin.products.schemas import ProductOut, VersionOut

# Stored bodies by content hash (a body never changes under its hash).
_BY_HASH: dict[str, Product] = {}


@lru_cache(maxsize=256)
def product_title(code: str) -> str:
    """What a page or console shows for a product code: its Chinese name (鹭质贷); a code that is
    not a shipped product shows as it is."""
    if code not in loader.shipped():
        return code
    try:
        return loader.load_shipped(code).product.name
    except ProductInvalid:
        return code


def _load(code: str) -> LoadedProduct:
    if code not in loader.shipped():
        raise NotFound(f"未找到产品「{code}」/ product not found")
    try:
        return loader.load_shipped(code)
    except ProductInvalid as exc:
        raise Invalid(
            f"产品配置「{code}」未通过校验，请运行 zhixin products validate {code}："
            + "；".join(exc.errors[:5])
        ) from exc


def register(session: Session, *, loaded: LoadedProduct) -> ProductVersion:
    """The stored row for exactly this product body (created the first time it is used)."""
    p = loaded.product
    found = repo.version_by_hash(session, code=p.code, sha256=loaded.sha256)
    if found is not None:
        return found
    if session.get_bind().dialect.name == "sqlite":
        # pysqlite's SAVEPOINT would commit the outer transaction early, so no begin_nested here:
        # INSERT .. ON CONFLICT DO NOTHING waits for a concurrent writer (busy timeout) and then
        # skips the row it stored, without failing this session's transaction.
        repo.insert_version_if_absent(
            session,
            code=p.code,
            version=p.version,
            sha256=loaded.sha256,
            bank_code=p.bank_code,
            body=loaded.body,
        )
        stored = repo.version_by_hash(session, code=p.code, sha256=loaded.sha256)
        if stored is None:  # pragma: no cover - inserted or already there
            raise ZhixinError("产品版本未能保存，请稍后重试", status=500)
        return stored
    row = ProductVersion(
        code=p.code,
        version=p.version,
        sha256=loaded.sha256,
        bank_code=p.bank_code,
        body=loaded.body,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # another request stored the same body between our select and insert
        found = repo.version_by_hash(session, code=p.code, sha256=loaded.sha256)
        if found is None:  # pragma: no cover - the unique constraint said it exists
            raise
        return found
    return row


def current(session: Session, code: str) -> tuple[ProductVersion, Product]:
    """The shipped product ``code`` and its stored version (no permission check)."""
    loaded = _load(code)
    row = register(session, loaded=loaded)
    _BY_HASH.setdefault(loaded.sha256, loaded.product)
    return row, loaded.product


def by_version(session: Session, version_id: int) -> tuple[ProductVersion, Product]:
    """A stored version exactly as it was (no permission check)."""
    row = repo.version_by_id(session, version_id)
    if row is None:
        raise NotFound(f"未找到产品版本 #{version_id}")
    product = _BY_HASH.get(row.sha256)
    if product is None:
        product = loader.from_body(dict(row.body), f"product_version {row.id}")
        _BY_HASH[row.sha256] = product
    return row, product


def warm() -> None:
    """Parse and check every shipped product once (cached for the process), so that the first
    page that lists products (the dashboard's filter form, the quote form) does not pay for it;
    the app's start-up calls this. A product that fails its checks is left for the page to
    report in Chinese."""
    for code in loader.shipped():
        try:
            _load(code)
        except ZhixinError:
            continue


def all_current(session: Session) -> list[tuple[ProductVersion, Product]]:
    """Every shipped product with its stored current version."""
    return [current(session, code) for code in loader.shipped()]


def _can_read(actor: Principal) -> None:
    if not actor.can(Permission.product_read):
        raise Forbidden("无权查看产品配置 / forbidden")


def _lpr_today(session: Session) -> lpr.LprOn | None:
    """Today's LPR, or None when the table cannot say (the pages then say so)."""
    try:
        return lpr.rates_on(session, clock.today())
    except ZhixinError:
        return None


def _out(
    row: ProductVersion,
    p: Product,
    rates: lpr.LprOn | None,
    versions: list[VersionOut] | None = None,
    *,
    actor: Principal,
) -> ProductOut:
    if p.raroc is not None and not rules.sees_internal_pricing(actor.tenant_kind):
        p = p.model_copy(update={"raroc": None})  # a borrower's view: no RAROC inputs
    rate = None
    if rates is not None:
        table = {"1y": rates.one_year, "5y": rates.five_year}
        rate = describe.best_rate(p, table, rates.on)
    return ProductOut(
        code=p.code,
        name=p.name,
        bank_code=p.bank_code,
        bank_name=p.bank_name,
        kind=p.kind,
        summary=p.summary,
        catalog=p.catalog,
        version=p.version,
        version_id=row.id,
        sha256=row.sha256,
        amount_min=p.amount.min,
        amount_max=p.amount.max,
        term_min=p.term_months.min,
        term_max=p.term_months.max,
        methods=[m.value for m in p.methods],
        channel=p.service.channel,
        fast_lane_days=p.service.fast_lane_days,
        rate_from=rate,
        lpr_on=rates.effective_on if rates is not None else None,
        config=p,
        versions=versions or [],
    )


def list_products(session: Session, *, actor: Principal) -> list[ProductOut]:
    """Every shipped product's current version (product_read)."""
    _can_read(actor)
    rates = _lpr_today(session)
    return [_out(row, p, rates, actor=actor) for row, p in all_current(session)]


def get(session: Session, *, actor: Principal, code: str) -> ProductOut:
    """One product's current version with the versions stored so far (product_read)."""
    _can_read(actor)
    row, p = current(session, code)
    versions = [
        VersionOut(id=v.id, version=v.version, sha256=v.sha256, loaded_at=v.loaded_at)
        for v in repo.versions_of(session, code)
    ]
    return _out(row, p, _lpr_today(session), versions, actor=actor)
