"""Each adapter against a loopback server speaking its provider's documented API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date

import pytest

from radar_watcher.catalog import CatalogPart
from radar_watcher.sources.protocol import (
    AuthRefused,
    QuotaExhausted,
    RateLimited,
    Source,
    SourceUnavailable,
)
from tests.watcher.harness import serving, settings_for, sources_for
from tests.watcher.providers import (
    DigiKey,
    Mouser,
    Nexar,
    Part,
    Provider,
    SiliconExpert,
    settings_env,
)


def catalog(*mpns: str, maker: str = "Texas Instruments") -> list[CatalogPart]:
    return [CatalogPart(m, maker, "") for m in mpns]


@contextlib.asynccontextmanager
async def adapter(provider: Provider, **env: str) -> AsyncIterator[Source]:
    with serving(provider) as served:
        async with contextlib.AsyncExitStack() as stack:
            sources = await sources_for(settings_for({**settings_env(served), **env}), stack)
            yield sources[provider.name].source


STATUSES = ("active", "nrnd", "eol", "obsolete")


@pytest.mark.parametrize("make", [Nexar, SiliconExpert, DigiKey, Mouser])
async def test_each_vocabulary_maps_to_the_internal_list(make: type[Provider]) -> None:
    parts = [Part(f"VOC-{s.upper()}", "Texas Instruments", s) for s in STATUSES]
    provider = make(parts)
    async with adapter(provider) as source:
        answers = []
        mpns = [p.mpn for p in parts]
        for start in range(0, len(mpns), source.parts_per_request):
            answer = await source.check(catalog(*mpns[start : start + source.parts_per_request]))
            answers += answer.observations
        unknown = await source.check(catalog("NO-SUCH-PART"))
    assert [o.status for o in answers] == list(STATUSES)
    assert all(o.found and o.raw for o in answers)
    assert [o.mpn for o in unknown.observations] == ["NO-SUCH-PART"]
    assert unknown.observations[0].found is False
    assert unknown.observations[0].status == "unknown"


async def test_nexar_batches_100_parts_and_pages_past_a_punctuation_variant() -> None:
    parts = [Part(f"NX{i:04d}", "Texas Instruments") for i in range(100)]
    # The provider's best match for "AB-12" is another spelling; the exact one is on page 2.
    parts += [
        Part("AB12", "Texas Instruments", "active"),
        Part("AB-12", "Texas Instruments", "eol"),
    ]
    nexar = Nexar(parts)
    async with adapter(nexar) as source:
        assert source.parts_per_request == 100
        answer = await source.check(catalog(*(p.mpn for p in parts[:100])))
        assert nexar.requests == 1
        assert answer.requests == 1
        assert answer.units == 100, "one part returned per query: what the part limit counts"
        paged = await source.check(catalog("AB-12"))
    assert paged.requests == 2
    (observation,) = paged.observations
    assert (observation.mpn, observation.status) == ("AB-12", "eol")


async def test_nexar_refused_credentials_expired_token_and_part_limit() -> None:
    nexar = Nexar([Part("LM358DR", "Texas Instruments", "eol")], part_limit=1)
    async with adapter(nexar, RADAR_NEXAR_CLIENT_SECRET="wrong") as source:
        with pytest.raises(AuthRefused):
            await source.check(catalog("LM358DR"))
    async with adapter(nexar) as source:
        await source.check(catalog("LM358DR"))
        nexar.revoke_tokens()  # the cached token lapses: a new one is fetched once
        with pytest.raises(QuotaExhausted, match="exceeded your part limit") as spent:
            await source.check(catalog("LM358DR"))
    assert spent.value.until.day == 1, "the part limit returns on the 1st of the month"


async def test_siliconexpert_pages_through_total_items_and_renews_its_session() -> None:
    makers = ("Texas Instruments", "onsemi", "Diodes", "Nexperia", "NXP", "Vishay")
    mpns = [f"SE{i:03d}" for i in range(50)]
    se = SiliconExpert(
        [Part(m, maker, "eol" if maker == "onsemi" else "active") for m in mpns for maker in makers]
    )
    async with adapter(se) as source:
        answer = await source.check(catalog(*mpns, maker="ON Semiconductor"))
        assert se.requests == 2, "300 records over pages of 250"
        assert answer.requests == 2
        assert {o.status for o in answer.observations} == {"eol"}, "the catalog's maker chosen"
        se.revoke_tokens()  # the session lapsed (30 minutes unused)
        again = await source.check(catalog("SE001", maker="onsemi"))
        assert again.observations[0].status == "eol"
    async with adapter(se, RADAR_SILICONEXPERT_API_KEY="wrong") as source:
        with pytest.raises(AuthRefused, match="refused the login"):
            await source.check(catalog("SE001"))


async def test_siliconexpert_reads_last_time_buy_dates() -> None:
    se = SiliconExpert([Part("ISO7721DR", "Texas Instruments", "eol", "2026-09-30")])
    async with adapter(se) as source:
        (observation,) = (await source.check(catalog("ISO7721DR"))).observations
    assert observation.last_time_buy_date == date(2026, 9, 30)


async def test_digikey_rate_limit_headers_burst_429_and_daily_allowance() -> None:
    digikey = DigiKey([Part("TPS7A4700RGWR", "Texas Instruments", "eol", "2026-06-30")], per_day=2)
    async with adapter(digikey) as source:
        answer = await source.check(catalog("TPS7A4700RGWR"))
        assert answer.quota_remaining == 1
        assert answer.observations[0].last_time_buy_date == date(2026, 6, 30)
        digikey.fail_next(429, Retry_After="7")
        with pytest.raises(RateLimited) as limited:
            await source.check(catalog("TPS7A4700RGWR"))
        assert limited.value.retry_after == 7
        await source.check(catalog("TPS7A4700RGWR"))
        with pytest.raises(QuotaExhausted, match="no requests left today"):
            await source.check(catalog("TPS7A4700RGWR"))
    async with adapter(digikey, RADAR_DIGIKEY_CLIENT_SECRET="wrong") as source:
        with pytest.raises(AuthRefused):
            await source.check(catalog("TPS7A4700RGWR"))


async def test_digikey_pages_by_offset_when_the_part_is_not_on_the_first_page() -> None:
    variants = [Part(f"CAPX{i}", "Murata") for i in range(12)]
    digikey = DigiKey([*variants, Part("CAP-X", "Murata", "obsolete")], keyword_contains=True)
    async with adapter(digikey) as source:
        answer = await source.check(catalog("CAP-X", maker="Murata"))
    assert answer.requests == 2
    assert answer.observations[0].status == "obsolete"


async def test_mouser_ten_numbers_a_request_split_when_cut_at_50_and_bad_key() -> None:
    mpns = [f"MO{i:02d}" for i in range(10)]
    packagings = [Part(m, "Texas Instruments", "nrnd") for m in mpns for _ in range(6)]
    mouser = Mouser(packagings)
    async with adapter(mouser) as source:
        answer = await source.check(catalog(*mpns))
    assert {o.status for o in answer.observations} == {"nrnd"}
    assert all(o.found for o in answer.observations), (
        "parts cut from a 60-result answer asked again"
    )
    assert answer.requests > 1
    async with adapter(mouser, RADAR_MOUSER_API_KEY="wrong") as source:
        with pytest.raises(AuthRefused, match=r"(?i)api key"):
            await source.check(catalog("MO01"))
    mouser.fail_next(503)
    async with adapter(mouser) as source:
        with pytest.raises(SourceUnavailable):
            await source.check(catalog("MO01"))
