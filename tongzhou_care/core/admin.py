"""The Django admin, for the commission admin: users, insurers, reference data, logs.
Writes go through services; querysets through the same scoping as the rest of the site."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from .models import AccessLog, Insurer, Street, User
from .services import insurer_save, user_save


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that change only through their own process (migrations, imports, logs)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "full_name", "phone", "role", "street", "insurer")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("username", "full_name", "phone", "email", "role", "street", "insurer", "is_active")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    list_display = ("username", "full_name", "role", "street", "insurer", "is_active", "last_login")
    list_filter = ("role", "street", "is_active")
    search_fields = ("username", "full_name")
    ordering = ("username",)
    # No groups, permissions, staff or superuser flags here: the role decides them all (S9).
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("基本信息", {"fields": ("full_name", "phone", "email")}),
        ("角色与范围", {"fields": ("role", "street", "insurer", "is_active"),
                    "description": "专管员须选择所属街道/乡镇；保险公司经办人须选择保险公司。"}),
        ("登录记录", {"fields": ("last_login", "date_joined", "password_changed_at", "first_login_at",
                             "two_factor")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("username", "full_name", "phone", "role", "street", "insurer",
                           "usable_password", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined", "password_changed_at", "first_login_at", "two_factor")

    @admin.display(description="双因素认证")
    def two_factor(self, obj):
        from .twofactor import has_second_factor

        if not obj.pk:
            return "—"
        if not has_second_factor(obj):
            return "未启用（下次登录时启用）"
        return format_html('已启用 · <a href="{}">重置（手机丢失时）</a>',
                           reverse("admin:core_user_two_factor_reset", args=[obj.pk]))

    def get_urls(self):
        return [path("<int:user_id>/two-factor-reset/", self.admin_site.admin_view(self.two_factor_reset_view),
                     name="core_user_two_factor_reset")] + super().get_urls()

    def two_factor_reset_view(self, request, user_id):
        """The commission admin removes a user's second factor, stating why (logged)."""
        from .forms import ResetReasonForm
        from .twofactor import two_factor_reset

        if not request.user.has_perm("core.reset_two_factor"):
            raise PermissionDenied
        target = get_object_or_404(self.get_queryset(request), pk=user_id)
        form = ResetReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            two_factor_reset(user=target, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, f"已重置 {target} 的双因素认证，其下次登录时须重新启用。")
            return redirect("admin:core_user_change", target.pk)
        return render(request, "admin/core/user/two_factor_reset.html", {
            **self.admin_site.each_context(request), "target": target, "form": form,
            "opts": self.model._meta, "title": f"重置 {target} 的双因素认证"})

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("street", "insurer")

    def save_model(self, request, obj, form, change):
        password = form.cleaned_data.get("password1") if not change else None
        user_save(user=obj, actor=request.user, password=password or None)

    def save_related(self, request, form, formsets, change):
        # Groups are set by user_save from the role; the form carries no m2m fields.
        pass


@admin.register(Street)
class StreetAdmin(ReadOnlyAdmin):
    """Reference data comes from a migration; nobody edits it by hand."""

    list_display = ("code", "name", "kind")
    ordering = ("code",)


@admin.register(Insurer)
class InsurerAdmin(admin.ModelAdmin):
    list_display = ("name", "hotline")

    def save_model(self, request, obj, form, change):
        insurer_save(insurer=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "ip_address", "action", "target", "rows", "reason")
    list_filter = ("action",)
    date_hierarchy = "at"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("core.view_user")
