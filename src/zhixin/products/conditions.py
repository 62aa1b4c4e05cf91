"""Conditions of a product (触发条件) evaluated for one enterprise and request (pure).

Each part of a condition is said in Chinese as it stands — what held, or why it failed — so a
discount, a raised pledge rate or an automatic rule can show its reason on the quote.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhixin.products import text
from zhixin.products.schema import Condition, Product
from zhixin.products.terms import Facts, QuoteRequest


@dataclass(frozen=True)
class Check:
    """A condition evaluated: whether it holds, and each part said as it is (held / failed)."""

    met: bool
    held: tuple[str, ...]
    failed: tuple[str, ...]

    def why(self) -> str:
        return "；".join(self.held if self.met else self.failed)


def evaluate(
    product: Product, when: Condition, facts: Facts, request: QuoteRequest, rank: int | None
) -> Check:
    """Evaluate ``when`` for an enterprise whose class (for this purpose) is ``rank``."""
    held: list[str] = []
    failed: list[str] = []

    def part(ok: bool, yes: str, no: str) -> None:
        (held if ok else failed).append(yes if ok else no)

    if when.class_at_least is not None:
        need = product.rank_of(when.class_at_least)
        want = text.class_name(product, when.class_at_least)
        if rank is None:
            failed.append(f"尚无总体等级（须不低于{want}）")
        else:
            part(
                need is not None and rank <= need,
                f"总体等级{text.rank_name(product, rank)}（不低于{want}）",
                f"总体等级{text.rank_name(product, rank)}，低于{want}",
            )
    if when.class_in:
        wanted = [product.rank_of(r) for r in when.class_in]
        names = "或".join(text.class_name(product, r) for r in when.class_in)
        part(
            rank is not None and rank in wanted,
            f"总体等级为{text.rank_name(product, rank)}",
            f"总体等级为{text.rank_name(product, rank)}，不是{names}",
        )
    if when.whitelisted:
        part(facts.listed, "已列入白名单", "未列入白名单")
    if when.award_any:
        got = sorted(set(when.award_any) & facts.awards)
        part(bool(got), f"获{text.joined(got)}", f"近五年未获{'或'.join(when.award_any)}")
    if when.title_any:
        got = sorted(set(when.title_any) & facts.titles)
        part(bool(got), f"持有称号{text.joined(got)}", f"未持有{'或'.join(when.title_any)}称号")
    if when.milestone is not None:
        label = product.milestone_label(when.milestone)
        part(
            when.milestone in request.milestones_met,
            f"已达成「{label}」",
            f"未达成「{label}」",
        )
    if when.total_score_above is not None:
        limit = text.plain(when.total_score_above)
        score = facts.total_score
        if score is None:
            failed.append(f"尚无质量信誉总分（须高于 {limit} 分）")
        else:
            part(
                score > when.total_score_above,
                f"质量信誉总分 {text.plain(score)} 分 > {limit} 分",
                f"质量信誉总分 {text.plain(score)} 分，未高于 {limit} 分",
            )
    if when.min_invention_patents is not None:
        n, need_n = facts.valid_invention_patents, when.min_invention_patents
        part(
            n >= need_n,
            f"有效发明专利 {n} 件 ≥ {need_n} 件",
            f"有效发明专利 {n} 件，不足 {need_n} 件",
        )
    if when.quality_penalties_at_most is not None:
        n, most = facts.quality_penalties_2y, when.quality_penalties_at_most
        if most == 0:
            part(n == 0, "近两年无质量类行政处罚", f"近两年有 {n} 次质量类行政处罚")
        else:
            part(
                n <= most,
                f"近两年质量类行政处罚 {n} 次（不超过 {most} 次）",
                f"近两年质量类行政处罚 {n} 次，超过 {most} 次",
            )
    if when.invoicing_growth_above is not None:
        above = text.pct(when.invoicing_growth_above)
        growth = request.invoicing_growth
        if growth is None:
            failed.append(f"未提供季度开票额增长（须高于 {above}）")
        else:
            part(
                growth > when.invoicing_growth_above,
                f"季度开票额增长 {text.pct(growth)} > {above}",
                f"季度开票额增长 {text.pct(growth)}，未高于 {above}",
            )
    return Check(not failed, tuple(held), tuple(failed))
