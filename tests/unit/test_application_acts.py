"""The table of acts on an application (applications.acts.ACTS) against the state machine."""

from __future__ import annotations

import dataclasses

from zhixin.applications import acts, rules
from zhixin.applications.workflow import Inputs


def test_every_transition_is_one_act_with_its_permission_and_label() -> None:
    transitions = {a.value: t for a, t in rules.TRANSITIONS.items()}
    assert set(transitions) <= set(acts.ACTS)
    assert set(acts.ACTS) - set(transitions) == {"attest", "recheck"}
    for name, t in transitions.items():
        assert (acts.ACTS[name].permission, acts.ACTS[name].label) == (t.permission, t.label)


def test_every_body_field_reaches_the_act() -> None:
    """A field added to a request body but not to Inputs would be a 500, not a silent loss."""
    known = {f.name for f in dataclasses.fields(Inputs)}
    for act in acts.ACTS.values():
        assert set(act.body.model_fields) <= known, act.name


def test_paths_are_unique_and_the_api_keeps_its_paths() -> None:
    paths = {a.name: a.path for a in acts.ACTS.values()}
    assert len(set(paths.values())) == len(paths)
    assert paths == {
        "accept": "accept",
        "request_materials": "materials/request",
        "respond_materials": "materials/respond",
        "start_review": "review/start",
        "attest": "checks/attest",
        "recheck": "checks/rerun",
        "submit_for_approval": "review",
        "approve": "approve",
        "reject": "reject",
        "return_for_review": "return",
        "withdraw": "withdraw",
        "contract": "contract",
    }
