"""Exchanges with other hash banks through python-threatexchange's ``SignalExchangeAPI`` (so HMA and the
``threatexchange`` CLI can fetch from a Haven bank like from any other exchange)."""
