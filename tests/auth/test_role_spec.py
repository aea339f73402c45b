"""``ROLE[@UNIT_CODE]`` (the CLI's ``--as``, the evaluation's callers) made into a principal, or refused with a domain
error that the CLI turns into a usage error."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import typer

from cli.chat import principal_for as cli_principal_for
from mattran.auth.principal import Role
from mattran.auth.role_spec import RoleSpecError, principal_for


def test_a_role_at_a_unit_of_its_level_is_that_cadre(services: SimpleNamespace) -> None:
    cadre = principal_for("commune_cadre@08611", services.resolver.units)
    assert cadre.roles == frozenset({Role.COMMUNE_CADRE}) and cadre.unit_code == "08611"
    assert principal_for("citizen", services.resolver.units).roles == frozenset({Role.CITIZEN})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mayor", "vai trò “mayor” không hợp lệ"),
        ("citizen@99999", "không có đơn vị mã “99999”"),
        ("province_cadre@08611", "vai trò province_cadre cần một đơn vị đúng cấp, ví dụ province_cadre@25"),
    ],
)
def test_a_wrong_spec_is_a_domain_error_and_a_usage_error_at_the_cli(
    services: SimpleNamespace, spec: str, message: str
) -> None:
    with pytest.raises(RoleSpecError) as refused:
        principal_for(spec, services.resolver.units)
    assert refused.value.message.startswith(message)
    with pytest.raises(typer.BadParameter, match=message):
        cli_principal_for(spec, services.resolver.units)


def test_the_red_team_callers_are_made_by_the_core(services: SimpleNamespace) -> None:
    from evals.redteam import ROLES, principals

    callers = principals(services.resolver.units)
    assert set(callers) == set(ROLES) and callers["anonymous"].subject is None
    assert callers["province_cadre@25"].roles == frozenset({Role.PROVINCE_CADRE})
