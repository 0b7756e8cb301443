"""Demo organisation and people: a city modelled on Hangzhou, with a user for every role."""

from dataclasses import dataclass

from django.db import transaction

from .models import OrgUnit, Role, User
from .services import org_unit_create, role_assign

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - printed on purpose: demo accounts only

# (code, name, kind, area code, parent code)
UNITS: list[tuple[str, str, str, str, str | None]] = [
    ("330100", "杭州市", OrgUnit.Kind.CITY, "330100", None),
    ("330100-SFJ", "杭州市司法局", OrgUnit.Kind.DEPARTMENT, "", "330100"),
    ("330100-SFJ-FZK", "行政执法协调监督处", OrgUnit.Kind.SECTION, "", "330100-SFJ"),
    ("330100-RSJ", "杭州市人力资源和社会保障局", OrgUnit.Kind.DEPARTMENT, "", "330100"),
    ("330100-SCJ", "杭州市市场监督管理局", OrgUnit.Kind.DEPARTMENT, "", "330100"),
    ("330100-DX", "中共杭州市委党校（杭州行政学院）", OrgUnit.Kind.DEPARTMENT, "", "330100"),
    ("330102", "上城区", OrgUnit.Kind.DISTRICT, "330102", "330100"),
    ("330102-SFJ", "上城区司法局", OrgUnit.Kind.DEPARTMENT, "", "330102"),
    ("330102-SCJ", "上城区市场监督管理局", OrgUnit.Kind.DEPARTMENT, "", "330102"),
    ("330106", "西湖区", OrgUnit.Kind.DISTRICT, "330106", "330100"),
    ("330106-SFJ", "西湖区司法局", OrgUnit.Kind.DEPARTMENT, "", "330106"),
    ("330106-ZFJ", "西湖区综合行政执法局", OrgUnit.Kind.DEPARTMENT, "", "330106"),
    ("330106-ZFJ-ZD1", "执法一中队", OrgUnit.Kind.SECTION, "", "330106-ZFJ"),
    ("330106-RSJ", "西湖区人力资源和社会保障局", OrgUnit.Kind.DEPARTMENT, "", "330106"),
    ("330108", "滨江区", OrgUnit.Kind.DISTRICT, "330108", "330100"),
    ("330108-SFJ", "滨江区司法局", OrgUnit.Kind.DEPARTMENT, "", "330108"),
    ("330108-ZFJ", "滨江区综合行政执法局", OrgUnit.Kind.DEPARTMENT, "", "330108"),
]


@dataclass(frozen=True)
class DemoPerson:
    employee_number: str
    name: str
    unit: str
    rank: str
    roles: tuple[tuple[Role, str], ...] = ()
    leading_cadre: bool = False
    enforcement: bool = False
    superuser: bool = False
    note: str = ""

    @property
    def email(self) -> str:
        return f"{self.employee_number.lower()}@demo.fazhi.gov.cn"


STAFF = [
    DemoPerson(
        "admin", "系统管理员", "330100-SFJ", "一级主任科员", superuser=True, note="全部权限"
    ),
    DemoPerson(
        "author01",
        "陈思远",
        "330100-DX",
        "讲师",
        ((Role.COURSE_AUTHOR, "330100"),),
        note="课程作者：编写课程并提交审核",
    ),
    DemoPerson(
        "reviewer01",
        "刘慧敏",
        "330100-DX",
        "副教授",
        ((Role.COURSE_REVIEWER, "330100"),),
        note="课程审核员：审核并发布课程",
    ),
    DemoPerson(
        "examadmin01",
        "王建国",
        "330100-SFJ",
        "四级调研员",
        ((Role.EXAM_ADMIN, "330100"),),
        note="考试管理员：题库、组卷与考试场次",
    ),
    DemoPerson(
        "hr-city",
        "赵雅琴",
        "330100-RSJ",
        "二级调研员",
        ((Role.HR, "330100"),),
        note="人事专员（全市）",
    ),
    DemoPerson(
        "hr-xihu",
        "孙立新",
        "330106-RSJ",
        "一级主任科员",
        ((Role.HR, "330106"),),
        note="人事专员（仅西湖区）",
    ),
    DemoPerson(
        "legal01",
        "周明哲",
        "330100-SFJ-FZK",
        "三级调研员",
        ((Role.LEGAL_AFFAIRS, "330100"),),
        note="法制审核员：执法证管理与年审",
    ),
    DemoPerson(
        "marker01",
        "阅卷甲",
        "330100-SFJ-FZK",
        "一级主任科员",
        ((Role.MARKER, "330100"),),
        note="阅卷人：评阅案例分析题、简答题",
    ),
    DemoPerson(
        "marker02",
        "阅卷乙",
        "330100-SFJ-FZK",
        "二级主任科员",
        ((Role.MARKER, "330100"),),
        note="阅卷人：评阅案例分析题、简答题",
    ),
]

LEARNERS = [
    DemoPerson("E1001", "张晓明", "330106-SFJ", "一级科员", note="公务员"),
    DemoPerson("E1002", "李婷婷", "330106-SFJ", "四级主任科员"),
    DemoPerson(
        "E1003", "王海峰", "330106-ZFJ", "二级主任科员", enforcement=True, note="行政执法人员"
    ),
    DemoPerson("E1004", "陈静", "330106-ZFJ-ZD1", "一级科员", enforcement=True),
    DemoPerson("E1005", "杨帆", "330106-ZFJ-ZD1", "三级主任科员", enforcement=True),
    DemoPerson(
        "E1006",
        "黄志强",
        "330106",
        "二级调研员",
        leading_cadre=True,
        note="领导干部（拟任职，参加任前考法）",
    ),
    DemoPerson("E2001", "吴佳怡", "330102-SFJ", "一级科员"),
    DemoPerson("E2002", "徐磊", "330102-SCJ", "四级主任科员", enforcement=True),
    DemoPerson("E2003", "孙悦", "330102-SCJ", "一级科员", enforcement=True),
    DemoPerson("E2004", "马俊", "330102", "一级调研员", leading_cadre=True),
    DemoPerson("E3001", "朱丽华", "330108-SFJ", "二级主任科员"),
    DemoPerson("E3002", "胡斌", "330108-ZFJ", "一级科员", enforcement=True),
    DemoPerson("E3003", "郭敏", "330108-ZFJ", "三级主任科员", enforcement=True),
    DemoPerson("E3004", "林涛", "330108-SFJ", "四级主任科员"),
    DemoPerson("E4001", "何雪", "330100-SCJ", "一级科员", enforcement=True),
    DemoPerson("E4002", "高翔", "330100-SCJ", "二级主任科员"),
    DemoPerson("E4003", "罗晓燕", "330100-SFJ", "一级主任科员"),
    DemoPerson("E4004", "郑凯", "330100-RSJ", "四级调研员", leading_cadre=True),
]

DEMO_PEOPLE = STAFF + LEARNERS


@transaction.atomic
def demo_people_load() -> None:
    """Create (or leave as they are) the demo units and people; never duplicates anything."""
    units: dict[str, OrgUnit] = {u.code: u for u in OrgUnit.objects.all()}
    for code, name, kind, area_code, parent_code in UNITS:
        if code not in units:
            units[code] = org_unit_create(
                name=name,
                code=code,
                kind=kind,
                area_code=area_code,
                parent=units[parent_code] if parent_code else None,
            )
    existing = set(User.objects.values_list("employee_number", flat=True))
    for person in DEMO_PEOPLE:
        if person.employee_number in existing:
            continue
        user = User(
            employee_number=person.employee_number,
            name=person.name,
            email=person.email,
            org_unit=units[person.unit],
            rank=person.rank,
            is_leading_cadre=person.leading_cadre,
            is_enforcement_officer=person.enforcement,
            is_staff=person.superuser,
            is_superuser=person.superuser,
        )
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        for role, scope in person.roles:
            role_assign(user=user, role=role, scope=units[scope])
    demo_simulated_candidates_load()


# Simulated candidates (模拟考生): 64 people who sat the demo's finished exam, so that its item
# analysis has enough answers (exams/demo.py). They never sign in (no usable password), and
# are created in bulk, so they cost the demo no password hashing.
SIMULATED_PREFIX = "E7"
SIMULATED_COUNT = 64
SIMULATED_UNITS = (
    "330106-SFJ",
    "330106-ZFJ",
    "330102-SFJ",
    "330102-SCJ",
    "330108-SFJ",
    "330100-SCJ",
)
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏丽强磊军洋勇艳杰涛明超"


def demo_simulated_candidates_load() -> None:
    numbers = [f"{SIMULATED_PREFIX}{i:03d}" for i in range(1, SIMULATED_COUNT + 1)]
    existing = set(
        User.objects.filter(employee_number__in=numbers).values_list("employee_number", flat=True)
    )
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=SIMULATED_UNITS)}
    new = []
    for i, number in enumerate(numbers):
        if number in existing:
            continue
        user = User(
            employee_number=number,
            # Unique (surname by i mod 32, first given character by i div 32), and none
            # contains another demo person's name.
            name=SURNAMES[i % 32] + GIVEN[i // 32] + GIVEN[(i * 5 + 3) % len(GIVEN)],
            org_unit=units[SIMULATED_UNITS[i % len(SIMULATED_UNITS)]],
            rank="一级科员",
        )
        user.set_unusable_password()
        new.append(user)
    User.objects.bulk_create(new)
