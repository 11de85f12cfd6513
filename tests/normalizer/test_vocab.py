from __future__ import annotations

import pytest

from radar_common.manufacturers import (
    canonical_manufacturer,
    manufacturer_from_domain,
    manufacturer_in_text,
)
from radar_normalizer.vocab import lifecycle_status, notice_kind


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("TI", "Texas Instruments"),
        ("Texas Instruments Inc.", "Texas Instruments"),
        ("ADI", "Analog Devices"),
        ("Analog Devices, Inc.", "Analog Devices"),
        ("ON Semiconductor", "onsemi"),
        ("ST", "STMicroelectronics"),
        ("NXP Semiconductors N.V.", "NXP Semiconductors"),
        ("Example Semiconductor GmbH", "Example Semiconductor"),
        ("Acme Widgets Ltd", "Acme Widgets"),
        ("Winbond Electronics Corp.", "Winbond Electronics"),
        ("Atmel Corporation", "Microchip Technology"),
        ("Nordic Semiconductor ASA", "Nordic Semiconductor"),
    ],
)
def test_manufacturer_aliases(raw: str, canonical: str) -> None:
    assert canonical_manufacturer(raw) == canonical


def test_manufacturer_from_mail_domain_and_prose() -> None:
    assert manufacturer_from_domain("PCN <pcn@list.ti.com>") == "Texas Instruments"
    assert manufacturer_from_domain("someone@gmail.com") == ""
    assert (
        manufacturer_in_text("Notice from Infineon Technologies AG")[0] == "Infineon Technologies"
    )


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        # Nexar/Octopart
        ("EOL", "eol"),
        ("NRND", "nrnd"),
        ("New", "active"),
        ("Obsolete", "obsolete"),
        ("Production", "active"),
        ("Production (Last Updated: 1 year ago)", "active"),
        ("discontinued, no longer in production", "obsolete"),
        ("Not for new design", "nrnd"),
        # Accuris
        ("Active-Unconfirmed", "active"),
        ("NRFND", "nrnd"),
        ("Discontinued", "obsolete"),
        ("Reactivated", "active"),
        ("Phase-Out", "nrnd"),
        ("Contact-Mfr", "unknown"),
        # TI, NXP, Microchip, Mouser
        ("LIFEBUY", "eol"),
        ("PRE_PROD", "active"),
        ("NLM", "obsolete"),
        ("Not Recommended For New Designs", "nrnd"),
        ("In Production", "active"),
        ("End of Life", "eol"),
        ("Factory Special Order", "nrnd"),
        ("whatever", "unknown"),
    ],
)
def test_lifecycle_vocabularies(raw: str, status: str) -> None:
    assert lifecycle_status(raw) == status


@pytest.mark.parametrize(
    ("headline", "kind"),
    [
        ("Product Discontinuance Notice PDN 23_0061", "discontinuance"),
        ("ST Product Termination Notice", "discontinuance"),
        ("Infineon Product discontinuation (PD)", "discontinuance"),
        ("NXP Version Withdrawal - packing only", "packing_withdrawal"),
        ("PCN: additional assembly site", "change"),
        ("Cancellation of PDN 20240607001DN", "reactivation"),
        ("Withdrawal of PCN#06B-11", "retraction"),
        ("Product Withdrawal Notice", "discontinuance"),
    ],
)
def test_notice_kinds(headline: str, kind: str) -> None:
    assert notice_kind(headline)[0] == kind
