"""Pages of long lists."""


class CountedQuerySet:
    """A queryset whose total is known in advance (the Paginator asks for it): a tally or an
    aggregate the page computes anyway stands in for a second COUNT(*)."""

    def __init__(self, queryset, total: int):
        self.queryset, self.total = queryset, total

    def count(self) -> int:
        return self.total

    def __getitem__(self, index):
        return self.queryset[index]

    def __len__(self):
        return self.total
