"""The engine's integer tags: how a rule match says which rule it matched.

One scan of the records (:mod:`zhixin.engine.evaluate`) tags every record with each rule it
matches; the fold (:mod:`zhixin.engine.fold`) reads the tags back. Both read the scheme here:

* element ``i`` is tag ``i``;
* the *unless* rule of element ``i`` (a match voids the element) is tag ``E + i``;
* gate ``j`` is tag ``2E + j``;

with ``E`` the number of elements, and elements, dimensions and gates each numbered in the order
of their codes, so sorting by tag sorts by code. Strings come back only when the Arrow output is
built.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhixin.catalog.schema import Catalog


@dataclass(frozen=True)
class Tags:
    """The codes of one catalog in tag order, and the tag of each rule."""

    elements: list[str]
    dimensions: list[str]
    gates: list[str]

    @classmethod
    def of(cls, catalog: Catalog) -> Tags:
        return cls(
            sorted(e.code for e in catalog.elements),
            sorted(d.code for d in catalog.dimensions),
            sorted(g.code for g in catalog.gates),
        )

    @property
    def first_unless(self) -> int:
        """The tag of element 0's *unless* rule: element ``i``'s is ``first_unless + i``."""
        return len(self.elements)

    @property
    def first_gate(self) -> int:
        """The tag of gate 0: gate ``j`` is ``first_gate + j``."""
        return 2 * len(self.elements)

    @property
    def width(self) -> int:
        """One more than the largest tag."""
        return self.first_gate + len(self.gates)

    def element(self, code: str) -> int:
        return self.elements.index(code)

    def unless(self, code: str) -> int:
        return self.first_unless + self.elements.index(code)

    def gate(self, code: str) -> int:
        return self.first_gate + self.gates.index(code)

    def dimension(self, code: str) -> int:
        return self.dimensions.index(code)
