"""The demo a newcomer loads, and the README they read beside it (issue 21 item 11).

(a) Every shipped product has an eligible case in the demo: an enterprise for which a quote of
the product succeeds. (b) Every ``zhixin …`` the README shows runs on a fresh demo database as
written — exit 0, no traceback — or is listed here with the demo's instance of its placeholders,
or with why it is not run. The list is checked against README.md both ways, so an example added
to the README must be added here, and one removed from it is removed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from zhixin.cli._app import run
from zhixin.config import get_settings
from zhixin.demo.loader import load_demo
from zhixin.errors import ZhixinError
from zhixin.kit.db import make_engine, make_sessionmaker
from zhixin.kit.migrate import upgrade
from zhixin.products import service as products
from zhixin.quotes import service as quotes
from zhixin.quotes.schemas import QuoteIn

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"
SPAN = re.compile(r"`((?:\.venv/bin/)?zhixin [^`]+)`")
# a word in capitals, but not the demo's fund and policy codes nor a payment reference
PLACEHOLDER = re.compile(r"\b(?!XMFC\b|XMTX\b|CZ-)[A-Z][A-Z_]*[A-Z]\b|\bN\b|\bD\b|…")

# A README command with a placeholder (a word in capitals, …) → the demo's instance of it,
# run here, or why it is not run.
INSTANCES: dict[str, list[str] | str] = {
    "zhixin users create NAME --tenant CODE --role regulator "
    "[--tenant-kind regulator --tenant-name 名称]": [
        *("users", "create", "regulator3", "--tenant", "amr-xm", "--role", "regulator"),
        *("--password-env", "P"),
    ],
    "zhixin users create NAME --tenant CODE --role bank_officer --service-account": [
        *("users", "create", "xmrcb-system", "--tenant", "bank-xmrcb"),
        *("--role", "bank_officer", "--service-account"),
    ],
    "zhixin tokens create --user SERVICE_USER --name 名称 --scope enterprise:read "
    "--by SECURITY_OFFICER": [
        *("tokens", "create", "--user", "xmrcb-system", "--name", "厦门农商银行信贷系统"),
        *("--scope", "enterprise:read", "--by", "security", "--password-env", "DEMO_PASSWORD"),
    ],
    "zhixin tokens revoke ID": ["tokens", "revoke", "1"],
    "zhixin users unlock NAME --by SECURITY_OFFICER": [
        *("users", "unlock", "regulator", "--by", "security", "--password-env", "DEMO_PASSWORD"),
    ],
    "zhixin audit generate-key --out KEY.pem": ["audit", "generate-key", "--out", "{tmp}/k.pem"],
    "zhixin audit checkpoint --out DIR": "needs a signing key (tests/e2e/test_audit_cli.py)",
    "zhixin evidence proof N --out proof.json": ["evidence", "proof", "1", "--out", "{tmp}/p.json"],
    "zhixin evidence check-proof proof.json VOUCHER.pdf [--public-key HEX]": (
        "a voucher file from the loan book (tests/e2e/test_evidence_cli.py)"
    ),
    "zhixin audit archive --before 2026-01-01 --out DIR": (
        "refuses rows younger than the retention (tests/e2e/test_audit_cli.py)"
    ),
    "zhixin audit verify-archive FILE": "an archive made by audit archive",
    "zhixin users set-region --tenant CODE --region 35": [
        *("users", "set-region", "--tenant", "amr-xm", "--region", "3502"),
    ],
    "zhixin import certification FILE.xlsx": "a file (tests/e2e/test_import_cli.py)",
    "zhixin synth --enterprises 5000000 --out DIR": [
        *("synth", "--enterprises", "50", "--out", "{tmp}/synth"),
    ],
    "zhixin catalog validate FILE.yaml": ["catalog", "validate", "ningbo"],
    "zhixin evaluate --catalog xiamen --as-of 2025-06-30 [--known-at 2025-07-01T00:00] "
    "[--engine spark]": [
        *("evaluate", "--catalog", "xiamen", "--as-of", "2025-06-30"),
        *("--known-at", "2025-07-01T00:00"),
    ],  # Spark: tests/unit/test_engine_spark.py
    "zhixin evaluate --rerun RUN_ID": ["evaluate", "--rerun", "1"],
    "zhixin evaluate --catalog xiamen --as-of 2025-06-30 --from-parquet DIR --to-parquet OUT": (
        "Parquet files of zhixin synth (tests/e2e/test_cli.py)"
    ),
    "zhixin export records --parquet DIR": ["export", "records", "--parquet", "{tmp}/records"],
    "zhixin evaluation export RUN_ID --xlsx F.xlsx": [
        *("evaluation", "export", "2", "--xlsx", "{tmp}/run.xlsx"),
    ],
    "zhixin whitelist refresh --catalog xiamen --as-of 2025-06-30 --by REGULATOR [--urgent]": [
        *("whitelist", "refresh", "--catalog", "xiamen", "--as-of", "2025-06-30"),
        *("--by", "regulator"),
    ],
    "zhixin demand import-ledger FILE.csv --by BANK_OFFICER": "a bank's ledger file",
    "zhixin preapprove --product CODE [--json]": ["preapprove", "--product", "yongzhidai"],
    "zhixin import KIND FILE": "a mention in prose",
    "zhixin calendar set-year 2027 FILE [--by REGULATOR] [--note 文号] [--yes]": (
        "the State Council's notice for 2027 (tests/e2e/test_calendar_cli.py)"
    ),
    "zhixin products validate FILE_OR_CODE": ["products", "validate", "luzhidai"],
    "zhixin models train --spec enterprise --data FILE.parquet --by USER": [
        *("models", "train", "--spec", "enterprise", "--synthetic", "200", "--by", "regulator"),
    ],
    "zhixin models register zjtx-edai --by USER [--reference FILE]": [
        *("models", "register", "zjtx-edai", "--by", "regulator"),
    ],
    "zhixin models promote enterprise 2 --by OTHER_USER": "a second version trained (tests/e2e)",
    "zhixin models psi enterprise 2 --data CURRENT.parquet --by USER": "a Parquet file of scores",
    "zhixin models list --by USER": ["models", "list", "--by", "regulator"],
    "zhixin models show enterprise 2 --by USER": "a second version trained (tests/e2e)",
    "zhixin models data financials|invoices|bank-lines FILE.csv --source 来源 --by USER": (
        "a file of financials"
    ),
    "zhixin quote … --patent-valuation 12": "a valuation made through the API",
}
# README commands without a placeholder that are not run here, and why.
NOT_RUN = {
    "zhixin demo": "builds this database",
    "zhixin demo --database-url postgresql://user@host:5432/zhixin_demo": "a server database",
    "zhixin worker": "loops until stopped (its --once is the worker test's)",
    "zhixin quote": "a mention in prose",
    "zhixin lpr set": "a mention in prose",
    "zhixin models evaluate [--json]": "trains on German credit for a minute",
    "zhixin loans import-repayments 还款.csv --by xmrcb-officer": "the core system's file",
}
# exit codes other than 0 that a README command is documented to give on the demo
EXIT = {
    "zhixin applications list --overdue": (0, 4),
    # refused in Chinese with the reasons when the contract is not eligible (as the README says)
    "zhixin loans renew 1 --by xmrcb-officer [--on 2026-12-15]": (0, 1),
}


def readme_commands() -> list[str]:
    """Every ``zhixin …`` of README.md: inline code and the lines of the code blocks, in order."""
    body = README.read_text(encoding="utf-8")
    found: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", body, re.S):
        for line in block.splitlines():
            for part in line.split("&&"):
                part = part.strip().removeprefix(".venv/bin/")
                if part.startswith("zhixin "):
                    found.append(part)
    for m in SPAN.finditer(re.sub(r"```.*?```", "", body, flags=re.S)):
        found.append(m.group(1).removeprefix(".venv/bin/").replace("\\|", "|"))
    return list(dict.fromkeys(found))


def bare(command: str) -> str:
    """The command without its optional parts (``[…]``)."""
    return re.sub(r"\s*\[[^\]]*\]", "", command)


def as_written(command: str) -> list[list[str]]:
    """The command without its optional parts, and with them when they hold only literals."""
    runs = [bare(command).split()[1:]]
    full = re.sub(r"\[([^\]]*)\]", r"\1", command)
    if full != command and not PLACEHOLDER.search(full) and "|" not in full:
        runs.append(full.split()[1:])
    return runs


def test_the_list_matches_the_readme() -> None:
    commands = readme_commands()
    assert len(commands) > 60
    forms = {c for c in commands if PLACEHOLDER.search(bare(c))}
    missing = forms - set(INSTANCES)
    assert not missing, f"README commands with placeholders not listed in INSTANCES: {missing}"
    stale = (set(INSTANCES) | set(NOT_RUN) | set(EXIT)) - set(commands)
    assert not stale, f"listed here but no longer in the README: {stale}"


@dataclass
class Demo:
    url: str
    factory: sessionmaker[Session]
    tmp: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{tmp}/zhixin-demo.sqlite3"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    assert load_demo(factory, enterprises=150, voucher_dir=tmp / "vouchers").loaded
    yield Demo(url, factory, tmp)
    engine.dispose()


def _eligible_case(session: Session, code: str) -> tuple[str, Decimal] | None:
    """The first enterprise, among those a published list holds, that a quote of the product
    finds eligible: (its name, the limit)."""
    _version, product = products.current(session, code)
    listed = session.execute(
        text(
            "select distinct e.id, e.name from enterprise e join whitelist_entry w "
            "on w.enterprise_id = e.id order by e.id"
        )
    ).all()
    term = min(max(12, product.term_months.min), product.term_months.max)
    for eid, name in listed:
        body = QuoteIn.model_validate(
            {
                "product": code,
                "enterprise_id": eid,
                "amount": str(product.amount.min),
                "term_months": term,
                "method": product.methods[0],
                "annual_sales": "20000000",
                "collateral": [{"kind": "专利", "value": "20000000"}],
            }
        )
        try:
            q = quotes.quote(
                session,
                actor=quotes.SYSTEM,
                product_code=code,
                enterprise_id=eid,
                request=quotes.request_of(body),
                store=False,
            )
        except ZhixinError:
            continue
        if q.eligible:
            return name, q.limit
    return None


def test_every_shipped_product_has_an_eligible_case(demo: Demo) -> None:
    shipped = sorted(p.stem for p in Path(products.__file__).parent.joinpath("data").glob("*.yaml"))
    assert len(shipped) == 10
    with demo.factory() as s:
        cases = {code: _eligible_case(s, code) for code in shipped}
    assert all(cases.values()), {c: v for c, v in cases.items() if v is None}


def test_the_first_application_is_a_sensible_one(demo: Demo) -> None:
    from zhixin.applications.models import Application

    with demo.factory() as s:
        first = s.scalars(select(Application).order_by(Application.id)).first()
        assert first is not None
        _version, product = products.current(s, first.product_code)
        body = QuoteIn.model_validate(
            {
                "product": first.product_code,
                "enterprise_id": first.enterprise_id,
                "amount": str(first.amount),
                "term_months": first.term_months,
                "method": first.method,
                "annual_sales": "20000000",
            }
        )
        q = quotes.quote(
            s,
            actor=quotes.SYSTEM,
            product_code=first.product_code,
            enterprise_id=first.enterprise_id,
            request=quotes.request_of(body),
            store=False,
        )
    assert q.eligible, q.reasons
    assert product.amount.min <= first.amount <= q.limit


@pytest.fixture
def on_the_demo(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> Demo:
    from zhixin.demo.loader import DEMO_PASSWORD

    monkeypatch.chdir(demo.tmp)  # the files commands write by default land there
    monkeypatch.setenv("ZHIXIN_MODE", "demo")
    monkeypatch.setenv("ZHIXIN_DATABASE_URL", demo.url)
    monkeypatch.setenv("ZHIXIN_VOUCHER_DIR", str(demo.tmp / "vouchers"))
    monkeypatch.setenv("P", "Readme-Password-123")
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    get_settings.cache_clear()
    return demo


def test_the_readme_commands_run_on_the_demo(
    on_the_demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = 0
    failures: list[str] = []
    for command in readme_commands():
        if command in NOT_RUN:
            continue
        if command in INSTANCES:
            instance = INSTANCES[command]
            if isinstance(instance, str):
                continue
            runs = [[a.replace("{tmp}", str(on_the_demo.tmp)) for a in instance]]
        else:
            runs = as_written(command)
        for args in runs:
            get_settings.cache_clear()
            code = run(args)
            out = capsys.readouterr()
            ran += 1
            if "Traceback" in out.out + out.err or code not in EXIT.get(command, (0,)):
                failures.append(f"zhixin {' '.join(args)} → {code}: {out.err.strip()[:300]}")
            if args[0] == "quote":  # the README's firms are eligible for its products
                run([*args, "--json", "--dry-run"])
                if '"eligible": true' not in capsys.readouterr().out:
                    failures.append(f"zhixin {' '.join(args)}: not eligible")
    assert not failures, "\n".join(failures)
    assert ran > 50
