from tongzhou_care.core.xlsx import Column, add_table, new_workbook


def _columns(first: str, questions) -> list[Column]:
    return [Column(first, 22), Column("调查任务", 10, "number"), Column("已完成", 10, "number"),
            Column("无法联系", 10, "number"), Column("拒绝调查", 10, "number"), Column("待调查", 10, "number"),
            Column("应答率（%）", 12, "number")] + [Column(f"{q}（均分）", 16, "number") for q in questions]


def _rows(rows):
    for r in rows:
        yield [r.label, r.total, r.answered, r.unreachable, r.declined, r.pending, r.rate, *r.means]


def write_survey_figures(out, figures, *, title: str) -> int:
    """The survey figures (selectors.surveys.SurveyFigures): one sheet per grouping, the
    filters in the title, numbers as numbers; returns the number of lines written."""
    workbook = new_workbook(out)
    count = 0
    for sheet, first, rows in (("按街道乡镇", "街道/乡镇", figures.by_street + [figures.total]),
                               ("按保险公司", "保险公司", figures.by_insurer), ("按保险年度", "保险年度", figures.by_year)):
        count += add_table(workbook, _columns(first, figures.questions), _rows(rows), sheet_name=sheet, title=title)
    workbook.close()
    return count
