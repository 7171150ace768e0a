from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    context = {"menu": menu_for(user, request.path)}
    if not getattr(user, "is_verified", lambda: True)():
        # Before the second factor only the code and enrolment pages open: no menu. A user in
        # the grace period works unverified: keep the menu and remind them.
        from .twofactor import grace_until
        context["two_factor_grace_until"] = grace_until(user)
        if context["two_factor_grace_until"] is None:
            context["menu"] = []
    return context
