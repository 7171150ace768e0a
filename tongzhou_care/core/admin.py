"""The Django admin, for the commission admin: users, insurers, reference data, logs.
Writes go through services; querysets through the same scoping as the rest of the site."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

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
        ("登录记录", {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("username", "full_name", "phone", "role", "street", "insurer",
                           "usable_password", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined", "password_changed_at")

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
    list_display = ("at", "user", "action", "target", "rows", "reason")
    list_filter = ("action",)
    date_hierarchy = "at"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("core.view_user")
