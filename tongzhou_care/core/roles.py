"""The role matrix: which Django permissions each role holds. This is the only place where a
role gets a capability (S9, deny by default); `migrate` re-applies it to the groups, and a user
belongs to exactly the group of their role (core.services.user_save).

Permissions say what a role may *do*; which rows it may see is decided by the selectors
(core.access.streets_of and the per-model `*_visible_to` functions).
"""

from django.db import transaction

from .models import Role

# Everyone who works on individual cases may look at persons and claims, report stays for
# families and upload their documents.
_CASEWORK = {
    "enrollment.view_person",
    "enrollment.unmask_person",
    "claims.view_claim",
    "claims.report_claim",
    "claims.upload_claim_document",
    "claims.withdraw_claim",
    "claims.set_payee",
}
# The commission oversees claims: it sees them all and helps families appeal.
_COMMISSION_CLAIMS = {"claims.view_all_claims", "claims.appeal_claim", "claims.view_diagnosis",
                      "claims.export_claims"}

# Oversight I (plan 五): the commission sees every street's service log, complaints, surveys and
# training and runs complaints, samples and training; officers keep their street's log, record
# complaints, answer those about their street and do the surveys; insurer staff answer the
# complaints about their company; finance sees survey figures only (aggregates, no names).
_COMMISSION_OVERSIGHT = {
    "oversight.view_serviceentry", "oversight.export_service_log",
    "oversight.view_complaint", "oversight.add_complaint", "oversight.assign_complaint",
    "oversight.reply_complaint", "oversight.close_complaint", "oversight.export_complaint",
    "oversight.view_survey", "oversight.view_survey_figures", "oversight.draw_survey_sample",
    "oversight.view_trainingsession", "oversight.add_trainingsession", "oversight.change_trainingsession",
    "oversight.print_publicity",
}
_OFFICER_OVERSIGHT = {
    "oversight.view_serviceentry", "oversight.add_serviceentry", "oversight.export_service_log",
    "oversight.view_complaint", "oversight.add_complaint", "oversight.reply_complaint",
    "oversight.export_complaint",
    "oversight.view_survey", "oversight.conduct_survey", "oversight.view_survey_figures",
    "oversight.view_trainingsession", "oversight.print_publicity",
}
# Oversight II (issue 10): the insurer evaluation goes to the commission, finance (which pays the
# premium) and the insurer (its own company's, by the scheme years it sees); next year's premium
# and the what-if to the commission and finance; the annual report is the commission's.
_FIGURES_COMMISSION = {"enrollment.view_evaluation", "enrollment.view_adjustment", "enrollment.make_annual_report"}
_INSURER_OVERSIGHT = {"oversight.view_complaint", "oversight.reply_complaint", "oversight.export_complaint",
                      "oversight.view_trainingsession"}
# Inspections and data checks (plan 五(三)): commission staff inspect, review rectifications and
# run and handle the checks, the admin reads and exports; an officer sees and answers the
# inspection findings addressed to their street and sees its data-check findings; insurer staff
# see and answer the findings addressed to their company; finance none.
_COMMISSION_CHECKS_READ = {"oversight.view_inspection", "oversight.view_inspectionfinding",
                           "oversight.export_inspectionfinding", "oversight.view_checkfinding",
                           "oversight.export_checkfinding"}
_COMMISSION_CHECKS_WORK = {"oversight.record_inspection", "oversight.review_rectification", "oversight.run_checks",
                           "oversight.handle_checkfinding"}
_OFFICER_CHECKS = {"oversight.view_inspectionfinding", "oversight.answer_inspectionfinding",
                   "oversight.export_inspectionfinding", "oversight.view_checkfinding", "oversight.export_checkfinding"}
_INSURER_CHECKS = {"oversight.view_inspectionfinding", "oversight.answer_inspectionfinding",
                   "oversight.export_inspectionfinding"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COMMISSION_ADMIN: frozenset(_CASEWORK | {
        "core.view_all_streets",
        "core.view_statistics",
        "core.view_history",
        "core.view_user", "core.add_user", "core.change_user", "core.reset_two_factor",
        "core.view_street",
        "core.view_insurer", "core.add_insurer", "core.change_insurer",
        "enrollment.change_person",
        "enrollment.change_person_contact",
        "enrollment.import_roster",
        "enrollment.export_person",
        "enrollment.export_person_full",
        "enrollment.view_schemeyear", "enrollment.add_schemeyear", "enrollment.change_schemeyear",
        "enrollment.issue_policies",
        "enrollment.view_premium",
        "enrollment.export_insured_list",
        "enrollment.export_insured_list_full",
    } | _COMMISSION_CLAIMS | _COMMISSION_OVERSIGHT | _COMMISSION_CHECKS_READ | _FIGURES_COMMISSION),
    Role.COMMISSION_STAFF: frozenset(_CASEWORK | _COMMISSION_CLAIMS | _COMMISSION_OVERSIGHT | _COMMISSION_CHECKS_READ
                                     | _COMMISSION_CHECKS_WORK | _FIGURES_COMMISSION | {
        "core.view_all_streets",
        "core.view_statistics",
        "core.view_history",
        "enrollment.change_person_contact",
        "enrollment.export_person",
        "enrollment.view_schemeyear",
        "enrollment.view_premium",
        "enrollment.export_insured_list",
    }),
    Role.STREET_OFFICER: frozenset(_CASEWORK | _OFFICER_OVERSIGHT | _OFFICER_CHECKS | {
        "core.view_statistics",
        "enrollment.change_person_contact",
        "enrollment.export_person",
        "claims.appeal_claim",
    }),
    # The insurer underwrites: it issues certificates and needs the full insured list.
    Role.INSURER_STAFF: frozenset(_CASEWORK | _INSURER_OVERSIGHT | _INSURER_CHECKS | {
        "claims.accept_claim", "claims.decide_claim", "claims.pay_claim", "claims.view_diagnosis",
        "claims.export_claims",
        "enrollment.view_schemeyear",
        "enrollment.issue_policies",
        "enrollment.view_premium",
        "enrollment.export_insured_list",
        "enrollment.export_insured_list_full",
        "enrollment.view_evaluation",
    }),
    Role.FINANCE: frozenset({
        "core.view_all_streets",
        "core.view_statistics",
        "enrollment.view_schemeyear",
        "enrollment.view_premium",
        "oversight.view_survey_figures",
        "enrollment.view_evaluation", "enrollment.view_adjustment",
    }),
}

# Finance reads and downloads; core.middleware.ReadOnlyRoleMiddleware refuses its writes.
READ_ONLY_ROLES = frozenset({Role.FINANCE})

# Only the commission admin works in the Django admin (users, insurers, reference data).
ADMIN_SITE_ROLES = frozenset({Role.COMMISSION_ADMIN})


def group_name(role: str) -> str:
    """The group that carries a role's permissions is named after the role's Chinese label."""
    return Role(role).label


def _permission(perm: str):
    from django.contrib.auth.models import Permission

    app_label, codename = perm.split(".", 1)
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist:
        raise LookupError(f"roles.py names a permission that does not exist: {perm}") from None


@transaction.atomic
def sync_roles() -> None:
    """Make each role's group hold exactly the permissions listed above; raises LookupError
    for a permission that no model defines (a typo must not silently grant nothing)."""
    from django.contrib.auth.models import Group

    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name(role))
        group.permissions.set([_permission(p) for p in sorted(perms)])


def sync_roles_after_migrate(sender, **kwargs):
    """post_migrate of the last app: by now every app's permissions exist. Reference data is
    re-applied here too, because a test database flush empties it."""
    from .models import Street
    from .streets import load_streets

    load_streets(Street)
    sync_roles()
