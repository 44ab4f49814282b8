"""Pages of the core: home, organizations, groups and their members, audit log."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studygroup import access, audit, health, notifications, selectors, services
from studygroup.forms import (
    AccountCreateForm,
    AuditFilterForm,
    ChangePasswordForm,
    ConfirmForm,
    EmailChangeForm,
    GrantCreateForm,
    LoginForm,
    MembershipAddForm,
    MembershipEditForm,
    MembershipEndForm,
    NewPasswordForm,
)
from studygroup.models import Membership, Organization, Person, RoleGrant, StudyGroup
from studygroup.navigation import panels_for
from studygroup.viewutils import add_errors, chosen_organization, is_safe_target

TREE_PAGE_SIZE = 200
AUDIT_PAGE_SIZE = 50
NOTIFICATION_PAGE_SIZE = 30


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm

    def form_valid(self, form):
        try:
            services.password_change(user=form.user, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, form.user)
        return redirect(self.get_success_url())


@login_required
def home_view(request):
    return render(request, "studygroup/home.html", {"panels": panels_for(request.user)})


@login_required
def organization_tree_view(request):
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.organization_tree(user=request.user, search=search), TREE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    organizations = selectors.with_member_counts(list(page.object_list))
    top_depth = min((org.depth for org in organizations), default=1)
    rows = [{"org": org, "indent": min(org.depth - top_depth, 6)} for org in organizations]
    return render(request, "studygroup/organization_tree.html", {"page": page, "rows": rows, "search": search})


@login_required
def organization_detail_view(request, pk):
    organization = access.get_visible_or_404(Organization.objects.select_related("parent"), request.user, pk=pk)
    parent_visible = organization.parent and access.can(request.user, "view", organization.parent)
    context = {
        "organization": organization,
        "parent_visible": parent_visible,
        "group": StudyGroup.objects.filter(organization=organization).first(),
        "children": selectors.organization_children(organization=organization, user=request.user),
        "can_manage_accounts": access.can(request.user, "manage_accounts", organization),
    }
    return render(request, "studygroup/organization_detail.html", context)


@login_required
def group_detail_view(request, pk):
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=pk)
    context = {
        "group": group,
        "current": selectors.sorted_by_role(selectors.group_memberships(group=group)),
        "past": selectors.group_memberships(group=group, current=False),
        "can_manage": access.can(request.user, "manage_members", group),
        "can_download_archive": access.can(request.user, "download_archive", group),
        "current_year": timezone.localdate().year,
    }
    return render(request, "studygroup/group_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def membership_add_view(request, pk):
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=pk)
    access.require(request.user, "manage_members", group)
    form = MembershipAddForm(
        request.POST or None,
        people=selectors.people_for_seat(group=group, user=request.user),
        initial={"start_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["person"]:
                membership = services.membership_add(
                    group=group, person=data["person"], role=data["role"], start_on=data["start_on"], by=request.user
                )
            else:
                membership = services.member_add_new_person(
                    group=group,
                    name=data["new_name"],
                    post=data["new_post"],
                    role=data["role"],
                    start_on=data["start_on"],
                    by=request.user,
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has joined the group.") % {"name": membership.person.name})
            return redirect(group)
    return render(request, "studygroup/membership_form.html", {"group": group, "form": form, "adding": True})


@login_required
@require_http_methods(["GET", "POST"])
def membership_edit_view(request, pk):
    membership = _membership_to_manage(request, pk)
    form = MembershipEditForm(request.POST or None, instance=membership, record=membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_update(
                membership=membership,
                role=data["role"],
                start_on=data["start_on"],
                end_on=data["end_on"],
                by=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The membership has been saved."))
            return redirect(membership.group)
    return render(
        request, "studygroup/membership_form.html", {"group": membership.group, "form": form, "membership": membership}
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership_end_view(request, pk):
    membership = _membership_to_manage(request, pk)
    form = MembershipEndForm(request.POST or None, initial={"end_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_end(membership=membership, end_on=form.cleaned_data["end_on"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has left the group.") % {"name": membership.person.name})
            return redirect(membership.group)
    return render(request, "studygroup/membership_end.html", {"membership": membership, "form": form})


def _membership_to_manage(request, pk) -> Membership:
    membership = access.get_visible_or_404(
        Membership.objects.select_related("group__organization", "person"), request.user, pk=pk
    )
    access.require(request.user, "manage_members", membership.group)
    return membership


@login_required
def audit_log_view(request):
    access.require(request.user, "studygroup.audit_log", None)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_entries(user=request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = audit.describe_entries(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "studygroup/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})


@login_required
def notification_list_view(request):
    queryset = request.user.notifications.all()
    page = Paginator(queryset, NOTIFICATION_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "studygroup/notification_list.html", {"page": page})


@login_required
def notification_open_view(request, pk):
    notification = get_object_or_404(request.user.notifications, pk=pk)
    notifications.mark_read(user=request.user, ids=[notification.pk])
    return redirect(notification.url if is_safe_target(request, notification.url) else "core:notification-list")


@login_required
@require_POST
def notification_read_all_view(request):
    count = notifications.mark_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("core:notification-list")


# Accounts and roles -----------------------------------------------------------------------------------------


def _organization_to_manage(request, pk) -> Organization:
    organization = access.get_visible_or_404(Organization.objects.select_related("parent"), request.user, pk=pk)
    access.require(request.user, "manage_accounts", organization)
    return organization


@login_required
def people_view(request):
    """The staff's own organization's accounts page (or the one ``?org=`` names among those they keep)."""
    organization = chosen_organization(request, access.organizations_held(request.user, [access.STAFF]))
    return redirect("core:org-people", pk=organization.pk)


@login_required
def organization_people_view(request, pk):
    organization = _organization_to_manage(request, pk)
    context = {
        "organization": organization,
        "people": selectors.organization_people(organization=organization),
        "grants": selectors.organization_grants(organization=organization),
        "me": access.scope_for(request.user).person_id,
        "parent_managed": organization.parent and access.can(request.user, "manage_accounts", organization.parent),
        "children": organization.children.order_by("path"),
    }
    return render(request, "studygroup/organization_people.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_create_view(request, pk):
    organization = _organization_to_manage(request, pk)
    form = AccountCreateForm(
        request.POST or None,
        people=selectors.people_without_login(organization=organization).exclude(user=request.user.pk),
        initial={"person": request.GET.get("person")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.account_create(
                organization=organization,
                person=data["person"],
                name=data["new_name"],
                post=data["new_post"],
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                by=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The login %(username)s has been created. Its holder must choose a new password at the first sign-in."
                )
                % {"username": user.username},
            )
            return redirect("core:org-people", pk=organization.pk)
    return render(request, "studygroup/account_form.html", {"organization": organization, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account_password_view(request, pk):
    person = access.get_visible_or_404(Person.objects.select_related("organization", "user"), request.user, pk=pk)
    access.require(request.user, "manage_accounts", person.organization)
    if person.user is None:
        raise Http404
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_password_reset(person=person, password=form.cleaned_data["password1"], by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("The password of %(name)s has been reset. They must choose a new one at the next sign-in.")
                % {"name": person.name},
            )
            return redirect("core:org-people", pk=person.organization_id)
    return render(request, "studygroup/account_password.html", {"person": person, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def grant_create_view(request, pk):
    organization = _organization_to_manage(request, pk)
    form = GrantCreateForm(
        request.POST or None,
        people=selectors.people_for_grant(organization=organization, user=request.user),
        initial={"person": request.GET.get("person")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = services.grant_create(
                person=data["person"], organization=organization, role=data["role"], by=request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Granted: %(grant)s.") % {"grant": grant})
            return redirect("core:org-people", pk=organization.pk)
    return render(request, "studygroup/grant_form.html", {"organization": organization, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def grant_withdraw_view(request, pk):
    grant = access.get_visible_or_404(
        RoleGrant.objects.select_related("person__organization", "organization"), request.user, pk=pk
    )
    access.require(request.user, "manage_accounts", grant.organization)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_withdraw(grant=grant, by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Withdrawn: %(grant)s.") % {"grant": grant})
            return redirect("core:org-people", pk=grant.organization_id)
    return render(request, "studygroup/grant_withdraw.html", {"grant": grant, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def email_change_view(request):
    form = EmailChangeForm(request.POST or None, initial={"email": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            services.email_change(
                user=request.user, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your e-mail address has been saved."))
            return redirect("home")
    return render(request, "registration/email_change.html", {"form": form})


@never_cache
@require_GET
def healthz_view(request):
    """For a load balancer or a monitor, without a login: 200 when the database, the broker, beat and the outbox
    are well, else 503; the JSON says which part fails (figures only, nothing about the records)."""
    report = health.report()
    return JsonResponse(report, status=200 if report["ok"] else 503)
