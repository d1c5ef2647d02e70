"""The error raised for a malformed or unusable event log."""


class EventLogError(ValueError):
    """An event log that cannot be read or used; the message names the file or column and what was expected."""
