"""The enrollment app's home panels (tongzhou_care/core/home.py): persons on the roster and
insured this scheme year, per street the user may see. Also the scheme year every dashboard
panel shows, read once per page."""

from tongzhou_care.core.home import COMMISSION, home_panel
from tongzhou_care.core.models import Role

from .selectors import insured_per_street, person_counts_by_street, scheme_year_in_force


def year_of(home):
    """The scheme year in force today (or the last one begun), shared by the page's panels."""
    return home.memo("scheme_year", lambda: scheme_year_in_force(home.today))


@home_panel("enrollment.insured", order=70, roles=(Role.STREET_OFFICER, Role.FINANCE) + COMMISSION,
            template="enrollment/home/insured.html")
def insured(home):
    """Persons per street (on the roster, died, removed) and insured in the year: an officer's
    street, the district for finance; for the commission only until the first scheme year (then
    its table of every street has the insured)."""
    user = home.user
    if not user.has_perm("core.view_statistics"):
        return None
    year = year_of(home)
    if year is not None and user.role in COMMISSION:
        return None
    rows = person_counts_by_street(user)
    insured = insured_per_street(user, year) if year else {}
    for row in rows:
        row["insured"] = insured.get(row["id"], 0)
    totals = {key: sum(r[key] for r in rows) for key in ("active", "deceased", "removed", "insured")}
    return {"rows": rows, "totals": totals, "year": year, "one_street": len(rows) == 1}
