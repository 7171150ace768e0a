"""Row locks of the claims app, in the project's one order (docs/architecture.md):

    person → scheme year → policy → claim → payment / supplement

Every claims service takes its locks through `lock_claim`, so none can take them in another
order. A claim's decision depends on its person (death, removal), so the person comes first:
recording a death (enrollment.services.person_update) locks the person, then the scheme years
and policies in policies_sync, the same way round. Only the rows meant are locked:
FOR NO KEY UPDATE (no key changes) and `of=("self",)` wherever the query joins.
"""

from enrollment.models import Person, Policy, SchemeYear

from .models import Claim


def lock_claim(claim_id: int, *, allowance: bool = False) -> tuple[Claim, list[Policy]]:
    """(claim, the person's policies) locked in the project's order: the claim's person, then,
    with `allowance` (a service that changes paid days), the scheme years of the person's
    policies and the policies in id order, then the claim. Without `allowance` the policies
    list is empty."""
    person_id = Claim.objects.values_list("person_id", flat=True).get(pk=claim_id)
    person = Person.objects.select_for_update(no_key=True).get(pk=person_id)
    policies: list[Policy] = []
    if allowance:
        list(SchemeYear.objects.select_for_update(no_key=True, of=("self",)).filter(policies__person_id=person_id)
             .order_by("pk").values_list("pk", flat=True))
        policies = list(Policy.objects.select_for_update(no_key=True, of=("self",)).filter(person_id=person_id)
                        .select_related("scheme_year").order_by("pk"))
    claim = Claim.objects.select_for_update(no_key=True, of=("self",)).get(pk=claim_id)
    claim.person = person
    return claim, policies
