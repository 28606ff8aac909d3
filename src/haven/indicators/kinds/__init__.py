"""One module per indicator kind; importing this package registers them all in ``KINDS`` (in this order)."""

from haven.indicators.kinds import (  # noqa: F401  (imported for their registrations)
    amount,
    btc,
    deadline,
    doge,
    domain,
    email,
    eth,
    gift_card,
    handle,
    iban,
    ltc,
    moneygram,
    mtcn,
    name,
    phone,
    swift_bic,
    trx,
    uk_bank,
    url,
    xmr,
)
