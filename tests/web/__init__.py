"""Tests of the local web app (``haven serve``)."""
