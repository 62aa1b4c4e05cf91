"""The domain-boundaries import contract (tests/support/boundaries.py) on small graphs."""

from __future__ import annotations

from grimp import ImportGraph

from tests.support.boundaries import DomainBoundaries


def _graph(*imports: tuple[str, str]) -> ImportGraph:
    g = ImportGraph()
    for m in (
        "app",
        "app.models",
        "app.quotes",
        "app.quotes.service",
        "app.quotes.repository",
        "app.whitelist",
        "app.whitelist.models",
        "app.whitelist.repository",
        "app.whitelist.service",
    ):
        g.add_module(m)
    for importer, imported in imports:
        g.add_import(importer=importer, imported=imported, line_number=3, line_contents="import")
    return g


def _contract(*exceptions: str) -> DomainBoundaries:
    return DomainBoundaries(
        "boundaries",
        session_options={},
        contract_options={
            "root": "app",
            "private": ["models", "repository"],
            "shared": ["app.models"],
            "exceptions": list(exceptions),
        },
    )


def test_through_the_service_its_own_and_shared_are_kept() -> None:
    graph = _graph(
        ("app.quotes.service", "app.whitelist.service"),
        ("app.whitelist.service", "app.whitelist.repository"),
        ("app.whitelist.repository", "app.whitelist.models"),
        ("app.models", "app.whitelist.models"),
    )
    check = _contract().check(graph, verbose=False)
    assert check.kept and check.metadata["broken"] == []
    assert check.metadata["domains"] == ["app.quotes", "app.whitelist"]


def test_another_domains_models_or_repository_break_it_with_the_line() -> None:
    graph = _graph(
        ("app.quotes.repository", "app.whitelist.models"),
        ("app.quotes.service", "app.whitelist.repository"),
    )
    check = _contract().check(graph, verbose=False)
    assert not check.kept
    assert [(b["importer"], b["imported"], b["lines"]) for b in check.metadata["broken"]] == [
        ("app.quotes.repository", "app.whitelist.models", [(3, "import")]),
        ("app.quotes.service", "app.whitelist.repository", [(3, "import")]),
    ]


def test_an_exception_allows_one_import_and_a_stale_one_breaks_it() -> None:
    graph = _graph(("app.quotes.repository", "app.whitelist.models"))
    kept = _contract("app.quotes.repository -> app.whitelist.models").check(graph, verbose=False)
    assert kept.kept and kept.ignored_import_count == 1
    stale = _contract(
        "app.quotes.repository -> app.whitelist.models",
        "app.quotes.service -> app.whitelist.repository",
    ).check(graph, verbose=False)
    assert not stale.kept
    assert stale.metadata["stale"] == [("app.quotes.service", "app.whitelist.repository")]
