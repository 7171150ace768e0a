"""Users and the organisations they belong to (streets, insurers)."""

import pgtrigger
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from .audit import track


@track()
class Street(models.Model):
    """One of Tongzhou's 22 streets and towns (街道/乡镇), keyed by the statistical code."""

    class Kind(models.TextChoices):
        STREET = "street", "街道"
        TOWN = "town", "镇"
        TOWNSHIP = "township", "乡"

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=20, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = "街道/乡镇"
        verbose_name_plural = "街道/乡镇"
        ordering = ["code"]
        # Capabilities that belong to no single model live here, with the streets they span.
        permissions = [
            ("view_all_streets", "可查看全区所有街道/乡镇的数据"),
            ("view_statistics", "可查看统计数字"),
            ("view_history", "可查看数据修改历史"),
        ]

    def __str__(self):
        return self.name


@track()
class Insurer(models.Model):
    """An insurance company that holds (or held) the district's contract (承保机构)."""

    name = models.CharField("公司名称", max_length=100, unique=True)
    hotline = models.CharField("服务电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "保险公司"
        verbose_name_plural = "保险公司"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    """The five roles of the programme (domain.md); permissions per role are in roles.py."""

    COMMISSION_ADMIN = "commission_admin", "区卫健委管理员"
    COMMISSION_STAFF = "commission_staff", "区卫健委工作人员"
    STREET_OFFICER = "street_officer", "街道/乡镇专管员"
    INSURER_STAFF = "insurer_staff", "保险公司经办人"
    FINANCE = "finance", "区财政局"


# The hash is not history worth keeping; last_login changes at every login.
@track(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who logs in. A street officer belongs to exactly one street, insurer staff to
    one insurer; a user without a role may do nothing (deny by default)."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    # A street officer's work phone is printed on the publicity notices families keep.
    phone = models.CharField("办公电话", max_length=30, blank=True)
    role = models.CharField("角色", max_length=20, choices=Role.choices, blank=True)
    street = models.ForeignKey(
        Street, verbose_name="所属街道/乡镇", null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )
    insurer = models.ForeignKey(
        Insurer, verbose_name="所属保险公司", null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    # The two-factor grace period (TWO_FACTOR_GRACE_DAYS) counts from here (core/twofactor.py).
    first_login_at = models.DateTimeField("首次登录时间", null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        permissions = [("reset_two_factor", "可重置用户的双因素认证（需填写事由）")]
        constraints = [
            models.CheckConstraint(
                name="user_street_iff_officer",
                condition=Q(role=Role.STREET_OFFICER, street__isnull=False)
                | (~Q(role=Role.STREET_OFFICER) & Q(street__isnull=True)),
                violation_error_message="街道/乡镇专管员必须且只能属于一个街道/乡镇，其他角色不设街道。",
            ),
            models.CheckConstraint(
                name="user_insurer_iff_insurer_staff",
                condition=Q(role=Role.INSURER_STAFF, insurer__isnull=False)
                | (~Q(role=Role.INSURER_STAFF) & Q(insurer__isnull=True)),
                violation_error_message="保险公司经办人必须属于一家保险公司，其他角色不设保险公司。",
            ),
            models.CheckConstraint(
                name="user_role_valid",
                condition=Q(role__in=[""] + list(Role.values)),
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else "未分配角色"


class AccessLog(models.Model):
    """Who looked at unmasked personal data, exported or imported what, and why (S14).
    Append-only: the database refuses updates and deletes."""

    class Action(models.TextChoices):
        UNMASK = "unmask", "查看完整信息"
        EXPORT = "export", "导出"
        IMPORT = "import", "导入"
        DOWNLOAD = "download", "下载"
        TWO_FACTOR = "two_factor", "双因素认证"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.PROTECT,
                             related_name="access_logs")
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    target = models.CharField("对象", max_length=200)
    detail = models.CharField("条件/说明", max_length=500, blank=True)
    rows = models.PositiveIntegerField("行数", null=True, blank=True)
    reason = models.CharField("事由", max_length=200, blank=True)
    # The client's address behind the proxy (core/clientip.py); empty for background jobs.
    ip_address = models.GenericIPAddressField("客户端地址", null=True, blank=True)

    class Meta:
        verbose_name = "访问日志"
        verbose_name_plural = "访问日志"
        ordering = ["-at"]
        triggers = [
            pgtrigger.Protect(name="accesslog_append_only",
                              operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        from django.utils import timezone

        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.user} {self.get_action_display()} {self.target}"


@track()
class BackgroundJob(models.Model):
    """Long work (certificate batches, large reports) done by `manage.py run_worker` while the
    user does something else; the page polls its progress. See core/jobs.py."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("类型", max_length=50)
    title = models.CharField("名称", max_length=200)
    params = models.JSONField("参数", default=dict)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField("已完成", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    result_file = models.CharField("结果文件", max_length=300, blank=True)
    result_name = models.CharField("下载文件名", max_length=200, blank=True)
    # A job whose result is a page rather than a file (a roster preview) links to it.
    result_url = models.CharField("结果页面", max_length=300, blank=True)
    created_by = models.ForeignKey(User, verbose_name="提交人", on_delete=models.PROTECT,
                                   related_name="jobs")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    worker = models.CharField("执行进程", max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)

    # Expensive kinds (checking a payment file or roster, applying a large roster): each user has
    # at most one waiting or running, so one user cannot occupy every worker.
    ONE_AT_A_TIME = ("payment_check", "roster_preview", "roster_apply")

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="job_status_created_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by"], name="job_one_expensive_per_user",
                condition=Q(status__in=["queued", "running"],
                            kind__in=["payment_check", "roster_preview", "roster_apply"]),
                violation_error_message="每位用户同时只能有一个核对或导入任务。"),
            models.CheckConstraint(name="job_status_valid",
                                   condition=Q(status__in=["queued", "running", "done", "failed"])),
            models.CheckConstraint(name="job_progress_within_total",
                                   condition=Q(progress_done__lte=models.F("progress_total"))),
        ]

    def __str__(self):
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class RateLimitCounter(models.Model):
    """Requests counted per key (an address or a user, and what they did) and time window, for
    core/ratelimit.py. A counter, not a record: old windows are deleted."""

    key = models.CharField("键", max_length=200)
    window_start = models.DateTimeField("时间窗口开始")
    hits = models.PositiveIntegerField("次数", default=0)

    class Meta:
        verbose_name = "频率限制计数"
        verbose_name_plural = "频率限制计数"
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_key_window")]
