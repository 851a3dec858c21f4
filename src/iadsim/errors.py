"""Exceptions that the command line reports as a clear message and exit code 2."""

from __future__ import annotations


class IadsimError(Exception):
    """Base class of every error caused by bad input (files, ids, parameters).

    The command line prints ``str(error)`` and exits with code 2, without a traceback.
    """


class CatalogError(IadsimError):
    """A catalog file is malformed, a figure lacks a source, or an id is unknown."""


class InputError(IadsimError):
    """A parameter given on the command line or to a public function is invalid."""
