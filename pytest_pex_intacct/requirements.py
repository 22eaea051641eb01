"""The requirement catalogue of PEX's setup guide as data: one entry per check, in the setup guide's order.

IDs are stable API (reports, JSON and CI refer to them). "where" is the navigation path the
customer follows, as written in PEX's guide; "remediation" says what to set there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RequirementId(StrEnum):
    """The catalogue's IDs: stable API (reports, JSON and CI refer to them)."""

    STEP1_ATTACHMENT_NUMBERING = "STEP1-ATTACHMENT-NUMBERING"
    STEP2_WEB_SERVICES = "STEP2-WEB-SERVICES"
    STEP2_SENDER_ID = "STEP2-SENDER-ID"
    STEP3_USER_SIGN_IN = "STEP3-USER-SIGN-IN"
    STEP3_WEB_SERVICES_USER = "STEP3-WEB-SERVICES-USER"
    STEP3_ROOT_LEVEL = "STEP3-ROOT-LEVEL"
    STEP3_EMAIL = "STEP3-EMAIL"
    STEP3_USER_TYPE = "STEP3-USER-TYPE"
    STEP3_ADMIN_FULL = "STEP3-ADMIN-FULL"
    STEP3_ROLE = "STEP3-ROLE"
    STEP4_NORMAL_BALANCE = "STEP4-NORMAL-BALANCE"
    UDD_READ = "UDD-READ"


# The pytest marker a bundled check names its requirement with: @pytest.mark.intacct_requirement(ID).
MARKER = "intacct_requirement"

# The two requirements with rules of their own: the one that needs a person or the write probe, and
# the optional one.
ATTACHMENT_NUMBERING = RequirementId.STEP1_ATTACHMENT_NUMBERING
UDD_READ = RequirementId.UDD_READ


@dataclass(frozen=True)
class Requirement:
    id: RequirementId
    # As the guide writes it: "Step 3.4", "optional: user-defined dimensions".
    step: str
    title: str
    where: str
    remediation: str
    # The fact its check judges (a name in ``facts/registry.py``), and the attribute of that fact's
    # typed value that decides whether it can be judged: its reading.
    fact: str
    reading: str = "reading"
    mandatory: bool = True
    # A person may attest it when Intacct cannot show it (outcome manual); never over a verified reading.
    attestable: bool = False


CATALOGUE: tuple[Requirement, ...] = (
    Requirement(
        id=RequirementId.STEP1_ATTACHMENT_NUMBERING,
        step="Step 1",
        title='Attachments document numbering: sequence type "Attachments" numbers each attachment automatically',
        where="Applications > Company > Setup tab > Company > General Information tab > Edit",
        remediation=(
            'Under Document sequencing, set the Attachments sequence type to "Attachments" so every '
            "attachment gets a unique number automatically, then Save."
        ),
        fact="probe",
        attestable=True,
    ),
    Requirement(
        id=RequirementId.STEP2_WEB_SERVICES,
        step="Step 2 (note), Step 3",
        title="The Web Services subscription is enabled",
        where="Company > Admin tab > Subscriptions",
        remediation="Subscribe the company to Web Services (Company > Admin tab > Subscriptions > Web Services).",
        fact="sign_in",
        reading="web_services",
    ),
    Requirement(
        id=RequirementId.STEP2_SENDER_ID,
        step="Step 2",
        title="Sender ID `PEX MPP` is in the Web Services authorizations and active",
        where=(
            "Applications > Company > Setup tab > Company > Security tab > Edit > Web Services authorizations > Add"
        ),
        remediation=(
            "Add the sender ID exactly as `PEX MPP` (case-sensitive: upper case, one space) with Status "
            "Active. A wrongly spelled entry cannot be edited: add a new one and delete the wrong one. If it "
            "is already there and active, Intacct's answer means the company has no Web Services subscription: "
            "subscribe it (Company > Admin tab > Subscriptions > Web Services)."
        ),
        fact="sign_in",
        reading="sender",
    ),
    Requirement(
        id=RequirementId.STEP3_USER_SIGN_IN,
        step="Step 3",
        title="The Web Services user exists, is active and signs in with the supplied password",
        where="Company > Company > Admin tab > Web Services users",
        remediation=(
            "First check the company ID the check ran with: Intacct answers a wrong company ID exactly as a wrong "
            "password. If it is the customer's, check that the Web Services user exists with exactly this user ID, "
            "its status is Active, and that INTACCT_USER_PASSWORD holds its current password (reset it if unsure "
            "and use the new one)."
        ),
        fact="sign_in",
        reading="user_sign_in",
    ),
    Requirement(
        id=RequirementId.STEP3_WEB_SERVICES_USER,
        step="Step 3.3",
        title="The user is a Web Services (non-billable, web-services-only) user",
        where="Company > Admin tab > Web Services users > Add",
        remediation=(
            "Create the user from Web Services users (not from Users), so it is a web-services-only, non-billable user."
        ),
        fact="user",
        reading="web_services_only_reading",
    ),
    Requirement(
        id=RequirementId.STEP3_ROOT_LEVEL,
        step="Step 3",
        title="The user was created at the root (top) level, not inside an entity",
        where="switch to the top level, then Web Services users",
        remediation=(
            "Switch to the top level of the company (not an entity) and create the Web Services user "
            "there; a user created inside an entity cannot reach the whole company."
        ),
        fact="user",
        reading="placement_reading",
        attestable=True,
    ),
    Requirement(
        id=RequirementId.STEP3_EMAIL,
        step="Step 3.4",
        title="An email address is set on the user",
        where="Web Services users > Edit",
        remediation='Edit the Web Services user and fill in its "Email address" field (guide Step 3.4), then Save.',
        fact="user",
        reading="email_reading",
    ),
    Requirement(
        id=RequirementId.STEP3_USER_TYPE,
        step="Step 3.5",
        title="User Type is Business",
        where="Web Services users > Edit > User Type",
        remediation="Set User Type to Business and Save.",
        fact="user",
        reading="user_type_reading",
    ),
    Requirement(
        id=RequirementId.STEP3_ADMIN_FULL,
        step="Step 3.6",
        title="Admin Privileges is Full",
        where="Web Services users > Edit > Admin Privileges",
        remediation="Set Admin Privileges to Full (not Limited, not Off) and Save.",
        fact="user",
        reading="admin_reading",
    ),
    Requirement(
        id=RequirementId.STEP3_ROLE,
        step="Step 3.7",
        title="At least one role is assigned to the user",
        where="Web Services users > Edit > Add Role",
        remediation=(
            "Assign the user a role of the company's own that gives it full permissions, as the guide asks of "
            "the Web Services user: at least List and View on Company (Users, Roles) and General Ledger "
            "(Accounts), and on User Defined Dimensions where PEX syncs them (Roles information > Add Role), "
            "then Save. Its per-user system role (named ::SYS::…) does not count. (A company on user-based "
            "permissions has no roles: there the requirement does not apply.)"
        ),
        # An empty role listing leaves the permission model to a person (facts/roles.py RoleCatalogue).
        fact="roles",
        attestable=True,
    ),
    Requirement(
        id=RequirementId.STEP4_NORMAL_BALANCE,
        step="Step 4",
        title="The PEX GL account exists, is active, and its Normal Balance is Debit",
        where="General Ledger > All tab > General Ledger accounts > Edit",
        remediation=(
            "Open the GL account set up for PEX (the one this report names; the guide's example title is "
            '"PEX GL Account"), set its Status to Active and its Normal Balance to Debit, and Save. If there is '
            "no such account yet, create it with those settings and tell PEX its number."
        ),
        fact="gl_account",
    ),
    Requirement(
        id=RequirementId.UDD_READ,
        step="optional: user-defined dimensions",
        title="(optional) The user's role can read every user-defined dimension",
        where=("Company > Admin > Roles > Edit > View Subscriptions > User Defined Dimensions > Permissions"),
        remediation=(
            "On the user's role, give read-only permission (List, View) on every user-defined dimension "
            "under the User Defined Dimensions subscription, and Save."
        ),
        fact="udd",
        mandatory=False,
        attestable=True,
    ),
)

BY_ID: dict[str, Requirement] = {requirement.id: requirement for requirement in CATALOGUE}
