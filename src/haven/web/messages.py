"""Messages that pages show but that are written in modules without ``_()`` (the evidence routes, the
vault's and importers' errors): marked here so they are in the catalogue, and translated where they are
shown (``render.page`` passes every error text and message through ``gettext``)."""

from __future__ import annotations

from haven.web.i18n import N_

MESSAGES = (
    N_("There is already a case with that name. Pick another name."),
    N_("Give the case a short name, using letters and numbers."),
    N_("Make the password at least 8 letters long."),
    N_("The two passwords are not the same. Please type it again."),
    N_("Please type your age as a number, like 16."),
    N_("Please pick a place from the list."),
    N_("Please type your note first."),
    N_("Please pick your case."),
    N_("That password does not open this case. Please try again."),
    N_("Please choose the package file to check."),
    N_("Please choose at least one file."),
)
