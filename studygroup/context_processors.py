from studygroup import access, notifications
from studygroup.navigation import navigation_for


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {
        "nav_items": navigation_for(user, request.path),
        "user_roles": access.scope_for(user).roles,
        "unread_notifications": notifications.unread(user).count(),
    }
