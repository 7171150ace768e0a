"""Training (业务培训, plan 五(一): 加强保险业务培训): sessions and who attended them."""

from django.db import models

from tongzhou_care.core.audit import track


@track()
class TrainingSession(models.Model):
    """A training session held for officers, insurer staff or the commission's own staff."""

    held_on = models.DateField("培训日期")
    topic = models.CharField("培训主题", max_length=200)
    trainer = models.CharField("授课人", max_length=100)
    location = models.CharField("地点", max_length=200, blank=True)
    note = models.CharField("备注", max_length=500, blank=True)
    attendees = models.ManyToManyField("core.User", verbose_name="参训人员", through="TrainingAttendance",
                                       related_name="training_sessions")
    recorded_by = models.ForeignKey("core.User", verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "业务培训"
        verbose_name_plural = "业务培训"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


@track()
class TrainingAttendance(models.Model):
    """One attendee of one session (its own audited row, so a list changed later shows who
    was added or removed)."""

    session = models.ForeignKey(TrainingSession, verbose_name="培训", on_delete=models.CASCADE,
                                related_name="attendances")
    user = models.ForeignKey("core.User", verbose_name="参训人员", on_delete=models.PROTECT,
                             related_name="training_attendances")

    class Meta:
        verbose_name = "参训记录"
        verbose_name_plural = "参训记录"
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="trainingattendance_once")]

    def __str__(self):
        return f"{self.user} @ {self.session}"
