"""An import-linter contract: a domain's tables and queries are its own.

Every direct subpackage of ``root`` is a domain (``zhixin.quotes``, ``zhixin.whitelist``, …,
and the adapters ``zhixin.cli`` and ``zhixin.web``); its ``private`` modules (``models``,
``repository``) may be imported only by the domain itself and by the ``shared`` modules
(``zhixin.models``, which gathers the metadata, and the migrations). Another domain reads
through the owner's ``service`` (or ``rules``). Domains are found, not listed, so a new one is
covered the day it lands.

``exceptions`` lists the direct imports still allowed, as ``importer -> imported``: known debt,
each with its reason beside it in pyproject.toml. An exception that no longer matches an import
breaks the contract too, so the list only shrinks.
"""

from __future__ import annotations

from typing import Any

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class DomainBoundaries(Contract):
    root = fields.StringField()
    private = fields.ListField(subfield=fields.StringField())
    shared = fields.ListField(subfield=fields.StringField(), default=[])
    exceptions = fields.ListField(subfield=fields.StringField(), default=[])

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        root: str = self.root  # type: ignore[assignment]
        private: list[str] = self.private  # type: ignore[assignment]
        shared: list[str] = self.shared  # type: ignore[assignment]
        allowed = {_pair(e) for e in self.exceptions}  # type: ignore[attr-defined]
        used: set[tuple[str, str]] = set()
        broken: list[dict[str, Any]] = []
        domains = sorted(c for c in graph.find_children(root) if graph.find_children(c))
        for domain in domains:
            for name in private:
                top = f"{domain}.{name}"
                if top not in graph.modules:
                    continue
                for module in sorted({top} | graph.find_descendants(top)):
                    for importer in sorted(graph.find_modules_that_directly_import(module)):
                        if _within(importer, [domain, *shared]):
                            continue
                        if (importer, module) in allowed:
                            used.add((importer, module))
                            continue
                        details = graph.get_import_details(importer=importer, imported=module)
                        broken.append(
                            {
                                "importer": importer,
                                "imported": module,
                                "lines": [(d["line_number"], d["line_contents"]) for d in details],
                            }
                        )
        stale = sorted(allowed - used)
        return ContractCheck(
            kept=not broken and not stale,
            metadata={"broken": broken, "stale": stale, "domains": domains},
            ignored_import_count=len(used),
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for b in check.metadata["broken"]:
            output.print_error(
                f"{b['importer']} imports {b['imported']}: another domain's models/repository "
                "(read it through that domain's service)"
            )
            for line, contents in b["lines"]:
                output.indent_cursor()
                output.print_error(f"l.{line}: {contents}", bold=False)
            output.new_line()
        for importer, imported in check.metadata["stale"]:
            output.print_error(
                f"exception '{importer} -> {imported}' matches no import any more: remove it"
            )


def _pair(text: str) -> tuple[str, str]:
    importer, _, imported = (part.strip() for part in text.partition("->"))
    return importer, imported


def _within(module: str, packages: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)
