"""What a list request can get wrong: the error naming the query parameter at fault."""

from __future__ import annotations


class ListingError(ValueError):
    """A list request that cannot be answered; `param` names the query parameter at fault."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


class UnknownFilterValue(ListingError):
    """A well-formed filter naming something that does not exist (a pipeline that is not
    registered and never ran): the API answers 404, as for that pipeline's own address."""
