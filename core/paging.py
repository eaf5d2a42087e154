"""Paging helpers shared by the apps."""

from django.core.paginator import Paginator


class KnownCountPaginator(Paginator):
    """A paginator told the count (a stored one, or one the caller needed anyway), saving
    the COUNT query."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property
