"""Domain errors; every message is Chinese a person can read (可读的拒绝理由)."""


class CoreError(Exception):
    """Base for refusals the bot shows to the user as they are."""


class NotFound(CoreError):
    pass


class Forbidden(CoreError):
    pass


class InvalidTransition(CoreError):
    pass


class InvalidInput(CoreError):
    pass
