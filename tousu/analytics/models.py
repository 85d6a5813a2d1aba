"""The count tables of D11 and the bookkeeping of the job that fills them.

The same counts are kept at three grains — hour, Asia/Shanghai day and month — and the fill job
(`analytics.fill`) applies each change to all three in one transaction. `ComplaintFact` keeps
what each complaint currently contributes, which is what lets a changed complaint be taken out
of the counts it was in before. See `tousu.analytics.rules` for what is counted where.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.analytics import drivers, rules
from tousu.analytics.rules import MEASURES

# Sums that can outgrow 32 bits in a busy row.
BIG = {"handling_seconds", "compensation_fen"}


class CountColumns(models.Model):
    """The dimensions and measures of a count row. Dimension ids are plain integers (0 = none),
    not foreign keys: the counts must not stop a category or region from being edited, and a
    unique key with NULLs in it would not be unique."""

    category = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=24)
    region = models.PositiveIntegerField(default=0)
    department = models.PositiveIntegerField(default=0)
    level = models.CharField(max_length=16)
    # Complaint.product, a snapshot of the plan; "" = unknown, "*" = all (a roll-up).
    product = models.CharField(max_length=64, default="")

    # One column per measure (see rules.MEASURES), summed by the KPI queries.
    for _measure in MEASURES:
        locals()[_measure] = (
            models.BigIntegerField(default=0) if _measure in BIG else models.IntegerField(default=0)
        )
    del _measure

    class Meta:
        abstract = True


class Counts(CountColumns):
    """What the hourly, daily and monthly count tables share. `key` is the period and
    dimensions in one string, so that the fill job finds the rows of a batch with one indexed
    `IN` however periods and dimensions mix."""

    # Up to ~150 characters: the period, the roll-up and the dimensions, the product last (64).
    key = models.CharField(max_length=192, unique=True)
    rollup = models.PositiveSmallIntegerField(default=0)  # rules.ROLLUPS

    class Meta:
        abstract = True


DIMENSIONS = rules.DIMENSIONS


class HourlyCount(Counts):
    """Counts per hour (UTC-aligned, which is also the Asia/Shanghai hour) and dimensions:
    for trends within a day, early warning, and periods that do not start at midnight."""

    hour = models.DateTimeField()
    day = models.DateField()  # the Asia/Shanghai date of `hour`

    class Meta:
        verbose_name = _("hourly count")
        verbose_name_plural = _("hourly counts")
        indexes = [models.Index(fields=["rollup", "hour"])]

    def __str__(self) -> str:
        return self.key


class DailyCount(Counts):
    """Counts per Asia/Shanghai day and dimensions: the days at the edges of a period."""

    day = models.DateField()

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        indexes = [models.Index(fields=["rollup", "day"])]

    def __str__(self) -> str:
        return self.key


class MonthlyCount(Counts):
    """Counts per Asia/Shanghai calendar month and dimensions: the whole months inside a
    period. Combinations of dimensions repeat from day to day, so a month holds about as many
    rows as a day does, and a quarter's KPIs read three months of rows instead of 92 days."""

    month = models.DateField()  # the first day of the month

    class Meta:
        verbose_name = _("monthly count")
        verbose_name_plural = _("monthly counts")
        indexes = [models.Index(fields=["rollup", "month"])]

    def __str__(self) -> str:
        return self.key


class RebuildRow(CountColumns):
    """Scratch rows of `tousu analytics rebuild`: the counts of one batch of complaints per
    hour and full set of dimensions, appended without lookups and summed by SQL into the count
    tables at the end (the same hour and dimensions recur from batch to batch). Empty outside a
    rebuild. The labels are the period parts of the count tables' keys."""

    hour_no = models.BigIntegerField()  # rules.Hour
    hour = models.DateTimeField()
    day = models.DateField()
    day_label = models.CharField(max_length=10)  # YYYY-MM-DD
    month = models.DateField()
    month_label = models.CharField(max_length=7)  # YYYY-MM

    class Meta:
        verbose_name = _("rebuild scratch row")
        verbose_name_plural = _("rebuild scratch rows")

    def __str__(self) -> str:
        return f"{self.hour_no}"


class RebuildFact(models.Model):
    """Scratch contributions of `tousu analytics rebuild`, which replace ComplaintFact's in the
    same transaction as the count tables. Empty outside a rebuild."""

    complaint_id = models.BigIntegerField(primary_key=True)
    data = models.JSONField()

    class Meta:
        verbose_name = _("rebuild scratch contribution")
        verbose_name_plural = _("rebuild scratch contributions")

    def __str__(self) -> str:
        return str(self.complaint_id)


class ComplaintFact(models.Model):
    """What one complaint currently adds to HourlyCount (rules.encode form). When the
    complaint changes, the job subtracts this and adds the new contribution. The complaint id
    is a plain integer: the analytics tables write only themselves."""

    complaint_id = models.BigIntegerField(primary_key=True)
    data = models.JSONField()

    class Meta:
        verbose_name = _("complaint contribution")
        verbose_name_plural = _("complaint contributions")

    def __str__(self) -> str:
        return str(self.complaint_id)


class FillCursor(models.Model):
    """The fill job's checkpoint and claim (D6).

    `position` is the last ComplaintEvent id whose complaint is counted; `trail` holds recent
    [unix time, position] marks, from which each run re-checks the last RECHECK_WINDOW of
    events. `owner`/`lease_until` is the claim: a run takes it with a conditional UPDATE and
    renews it in every batch transaction, so a second worker (or an overtaken one) stops."""

    name = models.CharField(max_length=32, primary_key=True)
    position = models.BigIntegerField(default=0)
    trail = models.JSONField(default=list)
    owner = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    layout = models.CharField(max_length=16, blank=True)  # rules.LAYOUT the counts are kept in
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("count fill checkpoint")
        verbose_name_plural = _("count fill checkpoints")

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"


class ResponsibleColumns(models.Model):
    """A row of the counts by responsible department (R6.4): the Asia/Shanghai day (and its
    month) of closing, the responsible department and staff member (0 = none), the handling
    dimensions the dashboard's slice and data scope filter on, and rules.RESPONSIBLE_MEASURES.
    Ids are plain integers, as in CountColumns. Kept by day, so that the table counts the
    same days as the KPI cards beside it (a month would count days outside the period)."""

    key = models.CharField(max_length=128)
    month = models.DateField()  # the first day of the month
    day = models.DateField()  # the Asia/Shanghai day of closing
    responsible_department = models.PositiveIntegerField(default=0)
    responsible_staff = models.PositiveIntegerField(default=0)
    category = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=24)
    region = models.PositiveIntegerField(default=0)
    department = models.PositiveIntegerField(default=0)  # the handling department
    closed = models.IntegerField(default=0)
    fcr = models.IntegerField(default=0)
    compensation_fen = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class ResponsibleCount(ResponsibleColumns):
    """Counts per day by responsible department and staff, filled with the other count
    tables by `analytics.fill` and the rebuild. `key` is the day and dimensions in one
    string, as in Counts."""

    class Meta:
        verbose_name = _("count by responsible department")
        verbose_name_plural = _("counts by responsible department")
        constraints = [models.UniqueConstraint(fields=["key"], name="responsiblecount_key")]
        indexes = [models.Index(fields=["month"]), models.Index(fields=["day"])]

    def __str__(self) -> str:
        return self.key


class ResponsibleFact(ResponsibleColumns):
    """What one closed complaint currently adds to ResponsibleCount (one row: it closed on
    one day), so that a change can be taken out of the row it was in, as ComplaintFact."""

    complaint_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("contribution by responsible department")
        verbose_name_plural = _("contributions by responsible department")

    def __str__(self) -> str:
        return str(self.complaint_id)


class RebuildResponsibleFact(ResponsibleColumns):
    """Scratch contributions of `tousu analytics rebuild` for ResponsibleFact, summed by SQL
    into ResponsibleCount at the end. Empty outside a rebuild."""

    complaint_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("rebuild scratch contribution by responsible department")
        verbose_name_plural = _("rebuild scratch contributions by responsible department")

    def __str__(self) -> str:
        return str(self.complaint_id)


class SatisfactionColumns(models.Model):
    """The slice and moments of a row of satisfaction observations (R8.3): `source` (callback
    or survey), the complaint's handling dimensions (a survey has only its customer's region;
    the others hold 0 / ""), `factors` — the mask of the factors the observations scored
    (drivers.FACTORS bits) — and the sums of drivers.MOMENT_COLUMNS."""

    source = models.CharField(max_length=8)
    department = models.PositiveIntegerField(default=0)
    region = models.PositiveIntegerField(default=0)
    category = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=24)
    factors = models.PositiveSmallIntegerField(default=0)

    for _moment in drivers.MOMENT_COLUMNS:
        locals()[_moment] = models.IntegerField(default=0)
    del _moment

    class Meta:
        abstract = True


class SatisfactionCount(SatisfactionColumns):
    """Moments of the satisfaction observations per Asia/Shanghai day, source, slice and
    factor mask (D11), the cube (rollup 0) and the roll-ups of rules.SATISFACTION_ROLLUPS;
    what the drivers analysis reads. `key` is the day and the rest in one string, as in
    Counts. Filled by `analytics.fill` and the rebuild with the other count tables."""

    key = models.CharField(max_length=96)
    day = models.DateField()
    rollup = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("satisfaction count")
        verbose_name_plural = _("satisfaction counts")
        constraints = [models.UniqueConstraint(fields=["key"], name="satisfactioncount_key")]
        # A department's or region's scope filters every question; on the cube (slices of
        # three dimensions) these keep the read to that department's or region's rows.
        indexes = [
            models.Index(fields=["rollup", "day"]),
            models.Index(fields=["rollup", "department", "day"]),
            models.Index(fields=["rollup", "region", "day"]),
        ]

    def __str__(self) -> str:
        return self.key


class SatisfactionFact(models.Model):
    """What one complaint's scored callbacks (source callback, `ref` the complaint id) or one
    survey answer (source survey, `ref` its id) currently add to SatisfactionCount: a list of
    [day, department, region, category, channel, mask, moments], so that a change can be
    taken out of the rows it was in."""

    source = models.CharField(max_length=8)
    ref = models.BigIntegerField()
    data = models.JSONField()

    class Meta:
        verbose_name = _("satisfaction contribution")
        verbose_name_plural = _("satisfaction contributions")
        constraints = [
            models.UniqueConstraint(fields=["source", "ref"], name="satisfactionfact_once")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.ref}"


class RebuildSatisfactionFact(models.Model):
    """Scratch contributions of `tousu analytics rebuild` for SatisfactionFact. Empty outside a
    rebuild."""

    source = models.CharField(max_length=8)
    ref = models.BigIntegerField()
    data = models.JSONField()

    class Meta:
        verbose_name = _("rebuild scratch satisfaction contribution")
        verbose_name_plural = _("rebuild scratch satisfaction contributions")

    def __str__(self) -> str:
        return f"{self.source} {self.ref}"


class RebuildSatisfactionRow(SatisfactionColumns):
    """Scratch cube rows of `tousu analytics rebuild` for SatisfactionCount, appended per
    batch and summed by SQL into every roll-up at the end. Empty outside a rebuild."""

    day = models.DateField()
    day_label = models.CharField(max_length=10)  # YYYY-MM-DD, the key's first part

    class Meta:
        verbose_name = _("rebuild scratch satisfaction row")
        verbose_name_plural = _("rebuild scratch satisfaction rows")

    def __str__(self) -> str:
        return self.day_label
