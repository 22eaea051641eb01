"""Step 3: the Web Services user ``pex_connector``, as its USERINFO record and roles show it.

A field that is missing, empty or holds a value this tool does not recognise never reaches these
bodies: it is an error (or manual, where nothing establishes it) before they run.
"""

import pytest

from pytest_pex_intacct.facts.roles import RoleAssignments
from pytest_pex_intacct.facts.sign_in import SignIn
from pytest_pex_intacct.facts.user import UserRecord
from pytest_pex_intacct.facts.user_values import AdminPrivileges, Placement, UserType


@pytest.mark.intacct_requirement("STEP3-USER-SIGN-IN")
def test_user_signs_in(sign_in: SignIn) -> None:
    assert sign_in.user_signed_in


@pytest.mark.intacct_requirement("STEP3-WEB-SERVICES-USER")
def test_user_is_web_services_only(web_services_user: UserRecord) -> None:
    assert web_services_user.web_services_only


@pytest.mark.intacct_requirement("STEP3-ROOT-LEVEL")
def test_user_created_at_top_level(web_services_user: UserRecord) -> None:
    assert web_services_user.placement is Placement.TOP_LEVEL


@pytest.mark.intacct_requirement("STEP3-EMAIL")
def test_user_has_email(web_services_user: UserRecord) -> None:
    assert web_services_user.email_addresses


@pytest.mark.intacct_requirement("STEP3-USER-TYPE")
def test_user_type_is_business(web_services_user: UserRecord) -> None:
    assert web_services_user.user_type is UserType.BUSINESS


@pytest.mark.intacct_requirement("STEP3-ADMIN-FULL")
def test_admin_privileges_are_full(web_services_user: UserRecord) -> None:
    assert web_services_user.admin_privileges is AdminPrivileges.FULL


# On user-based permissions the company has no roles: not applicable, decided before this runs.
@pytest.mark.intacct_requirement("STEP3-ROLE")
def test_user_has_a_role(user_roles: RoleAssignments) -> None:
    assert user_roles.roles
