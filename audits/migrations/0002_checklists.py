"""Seed the 八有 and 七有 checklists. Names and descriptions are data shown to users as they are."""

from django.db import migrations

BAYOU = [
    ("rules", "有制度", "至少有一项中心组学习制度在案。"),
    ("plan", "有计划", "有经批准的年度学习计划为达标;有计划但尚未批准为部分达标;没有计划为缺失。"),
    ("attendance", "有考勤", "本年度每次学习会都有考勤记录为达标;部分学习会有为部分达标;都没有或没有学习会为缺失。"),
    ("minutes", "有记录", "本年度每次学习会都有会议记录为达标;部分有为部分达标;都没有或没有学习会为缺失。"),
    ("notes", "有笔记", "每位成员(学习秘书除外)本年度都提交了学习笔记为达标;部分成员提交为部分达标;都未提交为缺失。"),
    ("reflections", "有心得", "每位成员(学习秘书除外)本年度都提交了心得体会为达标;部分成员提交为部分达标;都未提交为缺失。"),
    ("inspection", "有检查", "本年度至少有一次列席旁听或一次检查为达标,否则为缺失。"),
    ("summary", "有总结", "本年度的年终总结已存档为达标,否则为缺失。"),
]
QIYOU = [
    ("plan_early", "年初有计划", "一季度末(3月31日)前批准年度计划为达标;计划晚于一季度批准或尚未批准为部分达标;没有计划为缺失。"),
    ("session_plan", "会前有方案", "本年度每次学习会都有会前方案为达标;部分有为部分达标;都没有或没有学习会为缺失。"),
    ("discussion", "学中有研讨", "每次学习会都有发言记录或研讨材料为达标;部分有为部分达标;都没有或没有学习会为缺失。"),
    ("report_up", "向上有报告", "年度计划已报送上级为达标;有计划尚未报送为部分达标;没有计划为缺失。"),
    ("circular_down", "向下有通报", "每次学习会都向下级通报为达标;部分通报为部分达标;都没有或没有学习会为缺失。"),
    ("summary", "年终有总结", "本年度的年终总结已存档为达标,否则为缺失。"),
    ("support", "学习有保障", "每次学习会都提前发布了学习资料为达标;部分有为部分达标;都没有或没有学习会为缺失。"),
]


def seed(apps, schema_editor):
    Checklist = apps.get_model("audits", "Checklist")
    ChecklistItem = apps.get_model("audits", "ChecklistItem")
    for code, name, items in (("bayou", "八有", BAYOU), ("qiyou", "七有", QIYOU)):
        checklist, _created = Checklist.objects.update_or_create(code=code, defaults={"name": name})
        for order, (item_code, item_name, description) in enumerate(items, start=1):
            ChecklistItem.objects.update_or_create(
                checklist=checklist, code=item_code,
                defaults={"name": item_name, "description": description, "order": order},
            )


def unseed(apps, schema_editor):
    apps.get_model("audits", "Checklist").objects.filter(code__in=["bayou", "qiyou"]).delete()


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
