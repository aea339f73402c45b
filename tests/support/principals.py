"""Test cadres, each holding one role at one unit of the seeded administrative map."""

from __future__ import annotations

from mattran.auth.principal import Principal, Role

VAN_MIEU = "08611"  # Xã Văn Miếu, Phú Thọ (25)


def unit_cadre(subject: str, role: Role, unit_code: str, unit_path: str, unit_name: str) -> Principal:
    """A cadre named “Thử” holding ``role`` at the unit ``unit_code``."""
    return Principal(
        subject=subject,
        name="Thử",
        roles=frozenset({role}),
        unit_code=unit_code,
        unit_path=unit_path,
        unit_name=unit_name,
    )


def van_mieu_cadre(subject: str) -> Principal:
    """A commune cadre of Xã Văn Miếu."""
    return unit_cadre(subject, Role.COMMUNE_CADRE, VAN_MIEU, f"vn.25.{VAN_MIEU}", "Xã Văn Miếu")


def phu_tho_cadre(subject: str) -> Principal:
    """A province cadre of Tỉnh Phú Thọ."""
    return unit_cadre(subject, Role.PROVINCE_CADRE, "25", "vn.25", "Tỉnh Phú Thọ")
