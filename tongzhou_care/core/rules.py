"""What every app's rules share."""


class RuleViolation(Exception):
    """A rule of the programme refused a value; `message` is Chinese and shown to users."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
