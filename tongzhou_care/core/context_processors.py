from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    context = {"menu": menu_for(user, request.path)}
    if not getattr(user, "is_verified", lambda: True)():
        # Only a user in the two-factor grace period gets here unverified: remind them.
        from .twofactor import grace_until
        context["two_factor_grace_until"] = grace_until(user)
    return context
