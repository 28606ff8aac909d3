"""STIX 2.1 bundle of a case's offender details, built and checked with the OASIS ``stix2`` library.

Standard cyber-observables where STIX has them (``user-account``, ``email-addr``, ``url``, ``domain-name``,
``file`` for evidence items). STIX 2.1 has no object for a cryptocurrency wallet, a phone number or a bank
account, so those are new SCO types defined by a Haven extension definition (STIX 2.1 §7.3, "new-sco"),
published in the bundle itself. Their type names carry no ``x-`` prefix: STIX 2.1 deprecates it for types
defined through extension definitions, and the ``stix2`` library then treats them as registered, not
custom. Each offender detail also gets an ``indicator`` with a STIX pattern, and one ``observed-data``
per detail carries first/last seen and the count. Deterministic ids (UUIDv5 from the values, as STIX's
id-contributing properties prescribe for SCOs) keep two exports of one case comparable.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import stix2
from stix2.properties import StringProperty
from stix2.v21 import CustomObservable

from haven import __version__
from haven.report.data import ReportData

# Fixed ids: the same Haven extension definition and identity in every bundle.
EXT_WALLET = "extension-definition--1f3b8a4e-5f8e-4f55-9a5f-0a7c1c2b7d01"
EXT_PHONE = "extension-definition--1f3b8a4e-5f8e-4f55-9a5f-0a7c1c2b7d02"
EXT_BANK = "extension-definition--1f3b8a4e-5f8e-4f55-9a5f-0a7c1c2b7d03"
IDENTITY_ID = "identity--5b0e2d3c-7a51-4f0e-8d6e-3c9a0b4f1e10"
_CREATED = datetime(2026, 11, 23, tzinfo=UTC)

CRYPTO_KINDS = {"btc": "bitcoin", "eth": "ethereum", "ltc": "litecoin", "trx": "tron", "doge": "dogecoin",
                "xmr": "monero"}
BANK_KINDS = {"iban", "uk-bank-account", "swift-bic"}
PAYMENT_APPS = {"revolut", "cashapp", "paypalme", "monzo", "venmo"}
TLP = {"clear": stix2.TLP_WHITE, "white": stix2.TLP_WHITE, "green": stix2.TLP_GREEN, "amber": stix2.TLP_AMBER,
       "red": stix2.TLP_RED}
SIDE_WORDS = {"offender": "given by the offender", "victim-sent": "sent by the victim (evidence of payment)",
              "participant": "another person in these conversations (not an offender detail)",
              "header": "an address from email headers (not an offender detail)"}


@CustomObservable("haven-crypto-wallet", [("address", StringProperty(required=True)),
                                             ("currency", StringProperty(required=True))],
                  id_contrib_props=["address", "currency"], extension_name=EXT_WALLET)
class CryptoWallet:
    """A cryptocurrency address the offender gave for payment."""


@CustomObservable("haven-phone-number", [("number", StringProperty(required=True))],
                  id_contrib_props=["number"], extension_name=EXT_PHONE)
class PhoneNumber:
    """A phone number in E.164 form."""


@CustomObservable("haven-bank-account", [("account", StringProperty(required=True)),
                                            ("scheme", StringProperty(required=True))],
                  id_contrib_props=["account", "scheme"], extension_name=EXT_BANK)
class BankAccount:
    """A bank account: an IBAN, a UK sort code and account number, or a SWIFT/BIC code."""


def _extension_definitions(mark: dict[str, Any]) -> list[stix2.ExtensionDefinition]:
    common = {**mark, "created_by_ref": IDENTITY_ID, "created": _CREATED, "modified": _CREATED,
              "version": "1.0.0",
              "schema": "Defined in Haven's docs/stix-extensions.md (plain-text definition, STIX 2.1 7.3).",
              "extension_types": ["new-sco"]}
    return [
        stix2.ExtensionDefinition(id=EXT_WALLET, name="haven-crypto-wallet",
                                  description="A cryptocurrency address (address, currency).", **common),
        stix2.ExtensionDefinition(id=EXT_PHONE, name="haven-phone-number",
                                  description="A phone number in E.164 form (number).", **common),
        stix2.ExtensionDefinition(id=EXT_BANK, name="haven-bank-account",
                                  description="A bank account (account, scheme: iban, uk-sort-code-account, "
                                  "swift-bic).", **common),
    ]


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def observable(kind: str, normalized: str) -> tuple[Any, str] | None:
    """The STIX observable for one offender detail and the pattern that matches it (None if no mapping)."""
    q = _quote(normalized)
    if kind == "email":
        return stix2.EmailAddress(value=normalized), f"[email-addr:value = '{q}']"
    if kind == "url":
        return stix2.URL(value=normalized), f"[url:value = '{q}']"
    if kind == "domain":
        return stix2.DomainName(value=normalized), f"[domain-name:value = '{q}']"
    if kind in PAYMENT_APPS:
        app, _, user = normalized.partition(":")
        obj = stix2.UserAccount(account_login=user, account_type=app, user_id=user)
        pattern = (f"[user-account:account_type = '{_quote(app)}' AND "
                   f"user-account:account_login = '{_quote(user)}']")
        return obj, pattern
    if kind == "handle":
        platform, _, user = normalized.partition(":")
        obj = stix2.UserAccount(account_login=user, account_type=platform, user_id=user)
        pattern = (f"[user-account:account_type = '{_quote(platform)}' AND "
                   f"user-account:account_login = '{_quote(user)}']")
        return obj, pattern
    if kind in CRYPTO_KINDS:
        obj = CryptoWallet(address=normalized, currency=CRYPTO_KINDS[kind])  # type: ignore[call-arg]
        return obj, f"[haven-crypto-wallet:address = '{q}']"
    if kind == "phone":
        phone = PhoneNumber(number=normalized)  # type: ignore[call-arg]
        return phone, f"[haven-phone-number:number = '{q}']"
    if kind in BANK_KINDS:
        scheme = {"uk-bank-account": "uk-sort-code-account"}.get(kind, kind)
        account = BankAccount(account=normalized, scheme=scheme)  # type: ignore[call-arg]
        return account, f"[haven-bank-account:account = '{q}']"
    return None


def _ts(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return _CREATED


def build_bundle(data: ReportData, tlp: str | None = None) -> dict[str, Any]:
    """The case as a STIX 2.1 bundle (a JSON-ready dict): every object carries the TLP marking (default
    amber, or the case export's), one ``report`` ties the case together, ``indicator``s only for the
    offender's side, exhibits as ``file`` objects with a ``note`` naming the exhibit reference."""
    marking = TLP.get((tlp or data.tlp or "amber").lower(), stix2.TLP_AMBER)
    mark = {"object_marking_refs": [marking.id]}
    ref = data.case.reference or data.case.id
    identity = stix2.Identity(id=IDENTITY_ID, name="Haven", identity_class="system", created=_CREATED,
                              modified=_CREATED,
                              description=f"Haven {__version__}, run by the person reporting", **mark)
    objects: list[Any] = [marking, identity, *_extension_definitions(mark)]
    for agg in data.aggregated:
        mapped = observable(agg["kind"], agg["normalized"])
        if mapped is None:
            continue
        obs, pattern = mapped
        obs = obs.__class__(**{**dict(obs), **mark})
        first, last = _ts(agg.get("first_seen")), _ts(agg.get("last_seen"))
        if last < first:
            first, last = last, first
        side = agg.get("side", "offender")
        where = ", ".join(agg.get("exhibits") or [])
        observed = stix2.ObservedData(created_by_ref=IDENTITY_ID, first_observed=first, last_observed=last,
                                      number_observed=max(1, int(agg.get("count", 1))), object_refs=[obs.id],
                                      **mark)
        objects += [obs, observed]
        if side != "offender":
            continue
        indicator = stix2.Indicator(
            created_by_ref=IDENTITY_ID, name=f"{agg['kind']} {SIDE_WORDS['offender']}", pattern=pattern,
            pattern_type="stix", valid_from=first, indicator_types=["attribution"],
            description=f"Seen {agg.get('count', 1)} time(s) in case {ref}"
            + (f", exhibit(s) {where}" if where else "") + f"; checksum/format valid: {agg.get('valid')}",
            **mark,
        )
        rel = stix2.Relationship(indicator, "based-on", observed, created_by_ref=IDENTITY_ID, **mark)
        objects += [indicator, rel]
    for item in data.items:
        f = stix2.File(name=item.filename, size=item.size, hashes={"SHA-256": item.sha256}, **mark)
        exhibit = data.exhibit(item.id)
        note = stix2.Note(created_by_ref=IDENTITY_ID, abstract=f"Exhibit {exhibit}",
                          content=f"Exhibit {exhibit} in case {ref}: {item.filename}, SHA-256 {item.sha256}",
                          object_refs=[f.id], **mark)
        objects += [f, note]
    tied = [o.id for o in objects if o.type not in ("marking-definition", "extension-definition")]
    report = stix2.Report(
        created_by_ref=IDENTITY_ID, name=f"Sextortion report {ref}", report_types=["threat-report"],
        published=data.last_time or datetime.now(UTC), object_refs=tied,
        description=f"Evidence gathered by the person with Haven {__version__} for case {ref}: offender "
        f"details, evidence files (exhibits) and observations. TLP:{(tlp or data.tlp).upper()}.",
        **mark,
    )
    objects.append(report)
    bundle = stix2.Bundle(objects=objects, allow_custom=False)
    return json.loads(bundle.serialize())
