"""The GL account PEX posts to (Step 4): found by number or title, active, with a Debit normal balance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..config.option import DEFAULT_GL_ACCOUNT
from ..config.settings import Settings
from ..intacct.functions import IntacctFunction, Query
from ..intacct.response import Record
from .fact import Answers, Fact, read_problem
from .fields import FactEnum, field_text, recognise
from .reading import Observed, Reading, Unavailable

GL = "gl-account"
# Looked up in the same batch: a name no GL account carries may be a statistical account's.
STATISTICAL = "gl-statistical"
GL_PERMISSION = "General Ledger application: Accounts (List, View)"


class AccountStatus(FactEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class NormalBalance(FactEnum):
    DEBIT = "debit"
    CREDIT = "credit"


_GL_STATUS = {"active": AccountStatus.ACTIVE, "t": AccountStatus.ACTIVE, "inactive": AccountStatus.INACTIVE,
              "f": AccountStatus.INACTIVE}  # fmt: skip
_GL_NORMAL_BALANCE = {"debit": NormalBalance.DEBIT, "credit": NormalBalance.CREDIT}


@dataclass(frozen=True)
class GlAccount:
    """One GLACCOUNT record as Intacct returned it; None for a field the record does not carry."""

    account_no: str
    title: str
    normal_balance_text: str | None
    status_text: str | None

    @property
    def status(self) -> AccountStatus | None:
        return recognise(self.status_text, _GL_STATUS)

    @property
    def normal_balance(self) -> NormalBalance | None:
        return recognise(self.normal_balance_text, _GL_NORMAL_BALANCE)

    def describe(self) -> str:
        def shown(value: str | None) -> str:
            return "(missing)" if value is None else value or "(empty)"

        return (
            f"GL account {self.account_no} {self.title!r}: NORMALBALANCE={shown(self.normal_balance_text)}, "
            f"STATUS={shown(self.status_text)}"
        )

    @property
    def reading(self) -> Reading:
        """Established when both parts are recognised, or when either is a recognised "no"."""
        wrong = self.status is AccountStatus.INACTIVE or self.normal_balance is NormalBalance.CREDIT
        if not wrong and self.status is None:
            return Unavailable(f"{self.describe()}; STATUS is not active or inactive, so it cannot be judged")
        if not wrong and self.normal_balance is None:
            return Unavailable(f"{self.describe()}; NORMALBALANCE is not debit or credit, so it cannot be judged")
        return Observed(self.describe())


@dataclass(frozen=True)
class GlLookup:
    """The accounts Intacct found for the name the run was given, compared whatever the case."""

    wanted: str
    accounts: tuple[GlAccount, ...]
    # False when the name is the guide's example ("PEX GL Account"), not one the customer gave.
    named_by_customer: bool = True
    # Statistical accounts (STATACCOUNT) with the name; None when they could not be read.
    statistical: tuple[GlAccount, ...] | None = ()

    def matches(self) -> tuple[GlAccount, ...]:
        """Accounts named by ``wanted``: an account number wins over titles."""
        return _named(self.accounts, self.wanted)

    def _statistical_reading(self) -> Reading | None:
        """A name no GL account carries, found among the statistical accounts: PEX needs a GL account."""
        found = _named(self.statistical or (), self.wanted)
        if not found:
            return None
        shown = ", ".join(f"{account.account_no} {account.title!r}" for account in found)
        return Observed(
            f"no GL account with number or title {self.wanted!r}: it is a statistical account (STATACCOUNT {shown}); "
            "PEX posts card spend to a GL account: create a GL account with normal balance Debit (General Ledger > "
            "All tab > General Ledger accounts > Add) and name it to PEX"
        )

    @property
    def account(self) -> GlAccount | None:
        """The one account named by ``wanted``; None when there is none (the reading rules out several)."""
        matches = self.matches()
        return matches[0] if len(matches) == 1 else None

    @property
    def reading(self) -> Reading:
        matches = self.matches()
        statistical = None if matches else self._statistical_reading()
        if statistical is not None:
            return statistical
        if not matches and not self.named_by_customer:
            # The guide's title is an example: the customer may have named the account otherwise.
            return Unavailable(
                f"no GL account is titled {self.wanted!r} (the guide's example name, compared whatever the case); "
                "name the customer's PEX GL account with --intacct-gl-account=NUMBER_OR_TITLE and run again"
            )
        if not matches:
            return Observed(f"no GL account with number or title {self.wanted!r} (compared whatever the case)")
        if len(matches) > 1:
            numbers = ", ".join(account.account_no for account in matches)
            return Unavailable(
                f"{len(matches)} GL accounts are titled {self.wanted!r} ({numbers}); "
                "name the PEX account by number with --intacct-gl-account=NUMBER and run again"
            )
        return matches[0].reading


def _named(accounts: tuple[GlAccount, ...], wanted: str) -> tuple[GlAccount, ...]:
    wanted = wanted.strip().casefold()
    by_number = tuple(account for account in accounts if account.account_no.strip().casefold() == wanted)
    if by_number:
        return by_number
    return tuple(account for account in accounts if account.title.strip().casefold() == wanted)


def gl_account(record: Record) -> GlAccount:
    def text(name: str) -> str | None:
        # 3.0 reads use upper-case names, legacy get_list lower-case ones.
        found = field_text(record, name, name.lower())
        return found[1] if found else None

    return GlAccount(
        account_no=text("ACCOUNTNO") or "",
        title=text("TITLE") or "",
        normal_balance_text=text("NORMALBALANCE"),
        status_text=text("STATUS"),
    )


def _functions(settings: Settings) -> Sequence[IntacctFunction]:
    # Compared whatever the case: "PEX GL account" is the guide's "PEX GL Account". Accounts private to
    # an entity are listed too (showprivate): at the top level they are hidden otherwise.
    named = (("ACCOUNTNO", settings.gl_account), ("TITLE", settings.gl_account))
    return (
        Query(
            GL, "GLACCOUNT", ("RECORDNO", "ACCOUNTNO", "TITLE", "NORMALBALANCE", "ACCOUNTTYPE", "STATUS"),
            named, case_insensitive=True, show_private=True,
        ),
        Query(
            STATISTICAL, "STATACCOUNT", ("RECORDNO", "ACCOUNTNO", "TITLE", "STATUS"), named, case_insensitive=True,
            show_private=True,
        ),
    )  # fmt: skip


def parse_gl_account(answers: Answers) -> GlLookup | Unavailable:
    settings = answers.settings
    result = answers.result(GL)
    if not result.ok:
        return Unavailable(read_problem(result.errors, "read GL accounts", GL_PERMISSION, settings.user_id))
    statistical = answers.result(STATISTICAL)
    return GlLookup(
        settings.gl_account,
        tuple(gl_account(record) for record in result.records),
        named_by_customer=settings.gl_account != DEFAULT_GL_ACCOUNT,
        # Unreadable statistical accounts leave only the GL answer: no customer's setup hangs on them.
        statistical=tuple(gl_account(record) for record in statistical.records) if statistical.ok else None,
    )


def _the_account(lookup: GlLookup) -> GlAccount | None:
    return lookup.account


GL_ACCOUNT_FACT = Fact(
    name="gl_account",
    kind=GlLookup,
    fixture="pex_gl_account",
    doc="The GL account PEX posts to (by ``--intacct-gl-account``), or None when no account has that name.",
    parse=parse_gl_account,
    functions=_functions,
    for_body=_the_account,
)
