"""The police and support-worker console (``haven console``): receives victims' packages, verifies them,
links cases that share an offender's identifiers, draws the picture, and finds identifiers in common with
another force's console by private set intersection. Imports ``report`` and ``core``, never ``web``."""
