"""The data the permission matrix requests against: the demo city, made distinctive.

The demo (``load_demo``) gives every model with an admin or front-office URL real rows
(courses and lessons, the law library, the question bank, sessions, attempts, credentials,
certificates, appraisal records). On top of it this module:

- gives every person a distinctive name, employee number, 18-digit national ID number,
  phone and e-mail, so that a response can be searched for anyone who must not be in it;
- adds the roles the demo lacks (a district exam administrator, district legal affairs, a
  second district's HR) and TOTP authenticators for every staff member;
- picks, for every kind of object a URL takes, one object inside 西湖区 (the district roles'
  scope) and one outside it (上城区), or a shared object where the thing has no org scope.

Scopes here are computed from the org tree's paths, independently of the selectors the code
under test uses, so that a wrong selector cannot hide its own mistake.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from cms.people.mfa import mfa_totp_activate_with_secret
from cms.people.models import OrgUnit, Role, RoleAssignment, User
from cms.people.roster import national_id_check_digit
from cms.people.services import role_assign

DISTRICT_CODE = "330106"  # 西湖区: the district roles' scope
OTHER_DISTRICT_CODE = "330102"  # 上城区: outside it
TOTP_SECRET = "JBSWY3DPEHPK3PXP"

# Four-character names (a two-character surname and a two-character given name) that no law
# text, course or interface string contains; all the same length, so none is part of another.
SURNAMES = ["司寇", "闾丘", "濮阳", "公冶", "宰父", "谷梁", "拓跋", "夹谷", "轩辕", "令狐"]
GIVEN = ["霁川", "棠溪", "砚秋", "栖梧", "漱玉", "镜湖", "枕流", "听澜", "疏桐", "鹤汀"]

# (role key, label, Role, scope code or None for "no role", demo employee number or None)
ROLE_KEYS = [
    "anonymous",
    "learner",
    "learner_other",
    "author",
    "reviewer",
    "exam_admin_city",
    "exam_admin_district",
    "hr_city",
    "hr_district",
    "legal_city",
    "legal_district",
    "marker",
    "superuser",
]
STAFF_ROLE_KEYS = frozenset(ROLE_KEYS[3:])
# The marker holds Role.MARKER over 西湖区 and is assigned to the 西湖区 marking session only.
DISTRICT_ROLE_KEYS = frozenset({"exam_admin_district", "hr_district", "legal_district", "marker"})
CITY_ROLE_KEYS = frozenset({"exam_admin_city", "hr_city", "legal_city", "superuser"})


@dataclass(frozen=True)
class Person:
    pk: int
    name: str
    employee_number: str
    national_id: str
    phone: str
    email: str
    unit_path: str
    is_staff_member: bool
    old_markers: tuple[str, ...] = ()

    @property
    def national_id_hidden(self) -> str:
        """The part of the number that the masked form (first 3, last 4) never shows."""
        return self.national_id[3:14]

    def markers(self) -> list[tuple[str, str]]:
        """(what, text) pairs any of which in a response means this person is in it."""
        found = [
            ("name", self.name),
            ("employee number", self.employee_number),
            ("national ID", self.national_id),
            ("national ID (unmasked digits)", self.national_id_hidden),
            ("phone", self.phone),
            ("e-mail", self.email),
        ]
        found += [("demo name/number", m) for m in self.old_markers]
        return found


@dataclass
class Target:
    """One value set for a URL pattern's parameters.

    ``scope`` is a district code (the object belongs to that district's people or units),
    ``"city"`` (a city-level object: in scope of city-wide roles only), ``"shared"`` (no org
    scope: a law, a question, a page), or ``"owner:<role key>"`` (only its creator may open
    it). ``holder`` names the person the object is about, for pages that may show them.
    """

    label: str
    kwargs: dict = field(default_factory=dict)
    scope: str = "shared"
    query: str = ""
    holder: int | None = None
    own_by: str | None = None  # the role whose own object this is (an attempt, a certificate)


@dataclass
class World:
    users: dict[str, User]
    people: dict[int, Person]
    district_path: str
    other_district_path: str
    targets: dict[str, list[Target]]
    attempt_tokens: dict[str, tuple[int, str]] = field(default_factory=dict)

    def role_in_scope(self, role: str, target: Target) -> bool:
        """Whether ``target`` lies within what ``role`` may open (before any URL rule)."""
        if role == "superuser":
            return True
        scope = target.scope
        if scope == "shared":
            return True
        if scope.startswith("owner:"):
            return scope == f"owner:{role}"
        if role in CITY_ROLE_KEYS:
            return True
        if role in DISTRICT_ROLE_KEYS:
            return scope == DISTRICT_CODE
        return False

    def visible_people(self, role: str) -> set[int]:
        """The people whose details ``role`` may see: its scope's people, and itself."""
        if role == "anonymous":
            return set()
        me = self.users[role].pk
        if role in CITY_ROLE_KEYS:
            return set(self.people)
        if role in DISTRICT_ROLE_KEYS:
            return {
                pk for pk, p in self.people.items() if p.unit_path.startswith(self.district_path)
            } | {me}
        return {me}


def _unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def _staff(employee_number: str, name: str, unit_code: str, role: Role, scope_code: str) -> User:
    user = User.objects.create_user(
        employee_number, name=name, org_unit=_unit(unit_code), password="Matrix-Pass-1"
    )
    role_assign(user=user, role=role, scope=_unit(scope_code))
    return user


def _distinctive(users: list[User]) -> dict[int, Person]:
    """Rename everyone and give everyone an ID number, phone and e-mail of their own."""
    staff_ids = set(
        RoleAssignment.objects.exclude(role=Role.LEARNER).values_list("user_id", flat=True)
    )
    people = {}
    for i, user in enumerate(users):
        old = []
        if len(user.name) >= 3:
            old.append(user.name)
        if user.employee_number not in {"admin"} and len(user.employee_number) >= 5:
            old.append(user.employee_number)
        area = user.org_unit.area_code if user.org_unit and user.org_unit.area_code else ""
        if not area and user.org_unit:
            area = next(
                (a.area_code for a in reversed(user.org_unit.get_ancestors()) if a.area_code),
                "330100",
            )
        area = area or "330100"
        birth = datetime.date(1961, 1, 1) + datetime.timedelta(days=373 * i + 17)
        first17 = f"{area}{birth:%Y%m%d}{(i * 37) % 1000:03d}"
        user.name = SURNAMES[i % len(SURNAMES)] + GIVEN[i // len(SURNAMES)]
        user.employee_number = f"MX{i:04d}Q"
        user.national_id = first17 + national_id_check_digit(first17)
        user.phone = f"1997{i:03d}{8888 - i:04d}"
        user.email = f"mx{i:04d}q@matrix-people.example.cn"
        user.save()
        people[user.pk] = Person(
            pk=user.pk,
            name=user.name,
            employee_number=user.employee_number,
            national_id=user.national_id,
            phone=user.phone,
            email=user.email,
            unit_path=user.org_unit.path if user.org_unit else "",
            is_staff_member=user.is_superuser or user.pk in staff_ids,
            old_markers=tuple(old),
        )
    return people


def build_world() -> World:  # noqa: C901 - one linear recipe
    from django.contrib.auth.models import Group
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.documents.models import Document
    from wagtail.images.models import Image
    from wagtail.models import Collection, Site, Workflow, WorkflowTask

    from certification.models import AppraisalRecord, BatchJob, Certificate, Credential
    from cms.courses.models import CourseIndexPage, CoursePage, HomePage, LessonPage
    from cms.laws.models import Article, Law, LawVersion
    from exams.models import (
        Attempt,
        AttemptStatus,
        Blueprint,
        Candidate,
        ExamSession,
        Question,
        Topic,
    )
    from exams.services import attempt_start
    from exams.services.transitions import attempt_submit
    from exams.tokens import token_for
    from learning.models import CourseUnitAssignment, StudyHourEntry, StudyRequirement

    call_command("load_demo", stdout=io.StringIO())

    by_number = {u.employee_number: u for u in User.objects.all()}
    users = {
        "learner": by_number["E1001"],  # 西湖区司法局
        "learner_other": by_number["E2001"],  # 上城区司法局
        "author": by_number["author01"],
        "reviewer": by_number["reviewer01"],
        "exam_admin_city": by_number["examadmin01"],
        "exam_admin_district": _staff(
            "examadmin-xihu", "西湖考务", "330106-SFJ", Role.EXAM_ADMIN, DISTRICT_CODE
        ),
        "hr_city": by_number["hr-city"],
        "hr_district": by_number["hr-xihu"],
        "legal_city": by_number["legal01"],
        "legal_district": _staff(
            "legal-xihu", "西湖法制", "330106-SFJ", Role.LEGAL_AFFAIRS, DISTRICT_CODE
        ),
        "marker": _staff("marker-xihu", "西湖阅卷", "330106-SFJ", Role.MARKER, DISTRICT_CODE),
        "superuser": by_number["admin"],
    }
    # Staff of the other district: their assignments are out-of-scope objects.
    hr_other = _staff("hr-shangcheng", "上城人事", "330102-SFJ", Role.HR, OTHER_DISTRICT_CODE)
    for key in STAFF_ROLE_KEYS:
        mfa_totp_activate_with_secret(user=users[key], secret=TOTP_SECRET)
    mfa_totp_activate_with_secret(user=hr_other, secret=TOTP_SECRET)

    people = _distinctive(list(User.objects.select_related("org_unit").order_by("pk")))
    for user in users.values():
        user.refresh_from_db()

    xihu, shangcheng = _unit(DISTRICT_CODE), _unit(OTHER_DISTRICT_CODE)
    in_d = lambda qs, f="user__org_unit__path": qs.filter(**{f"{f}__startswith": xihu.path})  # noqa: E731
    out_d = lambda qs, f="user__org_unit__path": qs.filter(**{f"{f}__startswith": shangcheng.path})  # noqa: E731
    learner_in = (
        User.objects.filter(org_unit__path__startswith=xihu.path, role_assignments__isnull=True)
        .exclude(pk=users["learner"].pk)
        .first()
    )
    learner_out = (
        User.objects.filter(
            org_unit__path__startswith=shangcheng.path, role_assignments__isnull=True
        )
        .exclude(pk=users["learner_other"].pk)
        .first()
    )
    targets: dict[str, list[Target]] = {}

    def pair(kind, inside, outside, *, key="pk", holder=lambda o: None, extra=None):
        rows = []
        for label, obj, scope in (
            ("in", inside, DISTRICT_CODE),
            ("out", outside, OTHER_DISTRICT_CODE),
        ):
            if obj is None:
                raise AssertionError(f"matrix data: no {label}-of-scope object for {kind}")
            rows.append(
                Target(f"{kind}:{label}#{obj.pk}", {key: obj.pk}, scope, holder=holder(obj))
            )
        targets[kind] = rows + (extra or [])

    def shared(kind, obj, *, key="pk", label=None, **kw):
        if obj is None:
            raise AssertionError(f"matrix data: no {kind}")
        targets.setdefault(kind, []).append(
            Target(
                label or f"{kind}#{getattr(obj, 'pk', obj)}",
                {key: getattr(obj, "pk", obj)},
                "shared",
                **kw,
            )
        )

    # People, units, role assignments
    pair("user", learner_in, learner_out, holder=lambda o: o.pk)
    targets["user"].append(
        Target(f"user:superuser#{users['superuser'].pk}", {"pk": users["superuser"].pk}, "city")
    )
    pair("orgunit", _unit("330106-SFJ"), _unit("330102-SFJ"))
    pair(
        "roleassignment",
        RoleAssignment.objects.get(user=users["hr_district"]),
        RoleAssignment.objects.get(user=hr_other),
    )
    # Learning
    for person in (learner_in, learner_out):
        StudyHourEntry.objects.get_or_create(
            user=person,
            source=f"matrix:{person.pk}",
            defaults=dict(
                year=timezone.localdate().year,
                hours=Decimal("4"),
                kind="offline",
                title="矩阵测试培训",
                date=timezone.localdate(),
            ),
        )
    pair(
        "studyhourentry",
        in_d(StudyHourEntry.objects).filter(user=learner_in).first(),  # not a role holder
        out_d(StudyHourEntry.objects).filter(user=learner_out).first(),
    )
    shared("studyrequirement", StudyRequirement.objects.first() or _requirement())
    course = CoursePage.objects.live().first()
    for unit in (xihu, shangcheng):
        CourseUnitAssignment.objects.get_or_create(course=course, org_unit=unit, defaults={})
    pair(
        "courseunit",
        CourseUnitAssignment.objects.filter(org_unit__path__startswith=xihu.path).first(),
        CourseUnitAssignment.objects.filter(org_unit__path__startswith=shangcheng.path).first(),
    )
    # Exams: shared bank, scoped sessions and attempts
    question = Question.objects.order_by("pk").first()
    shared("question", question)
    shared("topic", Topic.objects.order_by("pk").first())
    blueprint = Blueprint.objects.order_by("pk").first()
    shared("blueprint", blueprint)
    now = timezone.now()
    sessions = {}
    for code, unit in ((DISTRICT_CODE, xihu), (OTHER_DISTRICT_CODE, shangcheng)):
        sessions[code] = ExamSession.objects.create(
            title=f"矩阵测试考试{code}",
            kind="annual_law",
            blueprint=blueprint,
            opens_at=now - datetime.timedelta(hours=2),
            closes_at=now + datetime.timedelta(days=2),
            duration_minutes=60,
            eligible_unit=unit,
            created_by=users["exam_admin_city"],
        )
    city_session = ExamSession.objects.filter(eligible_unit__code="330100").order_by("pk").first()
    pair("session", sessions[DISTRICT_CODE], sessions[OTHER_DISTRICT_CODE])
    targets["session"].append(
        Target(f"session:city#{city_session.pk}", {"pk": city_session.pk}, "city")
    )
    for code, person in ((DISTRICT_CODE, learner_in), (OTHER_DISTRICT_CODE, learner_out)):
        Candidate.objects.get_or_create(session=sessions[code], user=person)
    # In-progress attempts: the learners' own (for the token check) and the scoped pair.
    attempts = {}
    for key, person, code in (
        ("learner", users["learner"], DISTRICT_CODE),
        ("learner_other", users["learner_other"], OTHER_DISTRICT_CODE),
        ("in", learner_in, DISTRICT_CODE),
        ("out", learner_out, OTHER_DISTRICT_CODE),
    ):
        attempt = attempt_start(session=sessions[code], user=person, now=now)
        attempts[key] = attempt
    tokens = {
        key: (a.pk, token_for(attempt_id=a.pk, user_id=a.user_id, deadline=a.deadline))
        for key, a in attempts.items()
        if key in ("learner", "learner_other")
    }
    finished = Attempt.objects.filter(status__in=[AttemptStatus.SUBMITTED, "graded"]).exclude(
        user__in=[u.pk for u in users.values()]
    )
    finished_in, finished_out = in_d(finished).first(), out_d(finished).first()
    targets["attempt"] = [
        Target(f"attempt:in#{attempts['in'].pk}", {"attempt_id": attempts["in"].pk}, DISTRICT_CODE),
        Target(
            f"attempt:out#{attempts['out'].pk}",
            {"attempt_id": attempts["out"].pk},
            OTHER_DISTRICT_CODE,
        ),
        Target(
            f"attempt:own#{attempts['learner'].pk}",
            {"attempt_id": attempts["learner"].pk},
            DISTRICT_CODE,
            own_by="learner",
        ),
    ]
    for label, attempt, code in (
        ("in-finished", finished_in, DISTRICT_CODE),
        ("out-finished", finished_out, OTHER_DISTRICT_CODE),
    ):
        if attempt is not None:
            targets["attempt"].append(
                Target(f"attempt:{label}#{attempt.pk}", {"attempt_id": attempt.pk}, code)
            )
    # Practice rounds: the learner's own, another district's learner's, one in the district.
    from exams.round_selectors import practice_questions
    from exams.services.practice import practice_start

    practice_topic = practice_questions().order_by("pk").first().topic_id
    rounds = {
        key: practice_start(user=person, mode="topic", criteria={"topic": practice_topic})
        for key, person in (
            ("learner", users["learner"]),
            ("in", learner_in),
            ("out", learner_out),
        )
    }
    targets["practice_round"] = [
        Target(
            f"practice:own#{rounds['learner'].pk}",
            {"round_id": rounds["learner"].pk},
            DISTRICT_CODE,
            own_by="learner",
        ),
        Target(f"practice:in#{rounds['in'].pk}", {"round_id": rounds["in"].pk}, DISTRICT_CODE),
        Target(
            f"practice:out#{rounds['out'].pk}", {"round_id": rounds["out"].pk}, OTHER_DISTRICT_CODE
        ),
    ]
    # Marking: a session per district with a submitted case-analysis answer awaiting marking;
    # the district marker is assigned to the 西湖区 one only.
    from exams.demo import CASE_BLUEPRINT
    from exams.models import SessionMarker

    case_blueprint = Blueprint.objects.get(name=CASE_BLUEPRINT)
    marking_sessions, marking_slots = {}, {}
    for code, unit, person in (
        (DISTRICT_CODE, xihu, learner_in),
        (OTHER_DISTRICT_CODE, shangcheng, learner_out),
    ):
        marking_session = ExamSession.objects.create(
            title=f"矩阵阅卷考试{code}",
            kind="qualification",
            blueprint=case_blueprint,
            opens_at=now - datetime.timedelta(hours=2),
            closes_at=now + datetime.timedelta(days=2),
            duration_minutes=60,
            eligible_unit=unit,
            double_marking=True,
            created_by=users["exam_admin_city"],
        )
        sat = attempt_start(session=marking_session, user=person, now=now)
        attempt_submit(attempt_id=sat.pk, user=person, now=now)
        marking_sessions[code] = marking_session
        marking_slots[code] = sat.slots.get(hand_marked=True)
    SessionMarker.objects.create(session=marking_sessions[DISTRICT_CODE], marker=users["marker"])
    targets["marking_session"] = [
        Target(
            f"marking_session:{label}#{marking_sessions[code].pk}",
            {"session_id": marking_sessions[code].pk},
            code,
        )
        for label, code in (("in", DISTRICT_CODE), ("out", OTHER_DISTRICT_CODE))
    ]
    targets["marking_answer"] = [
        Target(
            f"marking_answer:{label}#{marking_slots[code].pk}",
            {"slot_id": marking_slots[code].pk},
            code,
        )
        for label, code in (("in", DISTRICT_CODE), ("out", OTHER_DISTRICT_CODE))
    ]
    # Certification
    pair(
        "credential",
        Credential.objects.exclude(holder__in=[u.pk for u in users.values()])
        .filter(holder__org_unit__path__startswith=xihu.path)
        .first(),
        Credential.objects.filter(holder__org_unit__path__startswith=shangcheng.path).first(),
        holder=lambda o: o.holder_id,
    )
    role_holders = [u.pk for u in users.values()]
    certificates = Certificate.objects.exclude(holder__in=role_holders)
    cert_in = certificates.filter(holder__org_unit__path__startswith=xihu.path).first()
    if cert_in is None:  # the demo's 西湖区 certificate is the learner's own: add another
        from certification.models import new_verification_code

        cert_in = Certificate.objects.order_by("pk").first()
        cert_in.pk = None
        cert_in.holder = learner_in
        cert_in.attempt = None
        cert_in.number = f"MX-{cert_in.number}"
        cert_in.verification_code = new_verification_code()
        cert_in.save()
    cert_out = certificates.filter(holder__org_unit__path__startswith=shangcheng.path).first()
    cert_other = certificates.exclude(holder__org_unit__path__startswith=xihu.path).first()
    pair("certificate", cert_in, cert_out or cert_other, holder=lambda o: o.holder_id)
    pair(
        "appraisal",
        in_d(AppraisalRecord.objects, "person__org_unit__path")
        .exclude(person__in=[u.pk for u in users.values()])
        .first(),
        out_d(AppraisalRecord.objects, "person__org_unit__path").first(),
        key="record_id",
    )
    jobs = {}
    for role in ("hr_district", "hr_city", "legal_city", "legal_district"):
        job = BatchJob.objects.create(
            kind=BatchJob.Kind.EXPORT if role.startswith("hr") else BatchJob.Kind.CERTIFICATE_PDFS,
            status=BatchJob.Status.DONE,
            created_by=users[role],
            params={"matrix": role},
        )
        # What the owner's own export could hold: the owner and a person of the owner's scope.
        subject = learner_in if role in DISTRICT_ROLE_KEYS else learner_out
        rows = [people[users[role].pk], people[subject.pk]]
        job.file.save(f"matrix-{role}.csv", ContentFile(people_export_bytes(rows)), save=True)
        jobs[role] = job
    targets["job"] = [
        Target(f"job:{role}#{job.pk}", {"pk": job.pk}, f"owner:{role}")
        for role, job in jobs.items()
    ]
    targets["verify"] = [
        Target(
            f"verify:{kind}:{label}#{obj.pk}",
            {"code": obj.verification_code},
            "shared",
            holder=obj.holder_id,
        )
        for kind, pair_targets, model in (
            ("credential", targets["credential"], Credential),
            ("certificate", targets["certificate"], Certificate),
        )
        for label, obj in (
            (t.label.split(":")[1].split("#")[0], model.objects.get(pk=t.kwargs["pk"]))
            for t in pair_targets
        )
    ]
    # Laws, pages, Wagtail's own objects
    law = Law.objects.order_by("pk").first()
    version = LawVersion.objects.filter(law=law).order_by("pk").first()
    shared("law", law, key="key", label=f"law:{law.key}")
    targets["law"][0].kwargs = {"key": law.key}
    targets["law_version"] = [
        Target(
            f"law:{law.key}@{version.version_date}",
            {"key": law.key, "version_date": version.version_date},
        )
    ]
    shared("lawversion", version)
    shared("article", Article.objects.order_by("pk").first())
    home = HomePage.objects.first()
    index = CourseIndexPage.objects.first()
    lesson = LessonPage.objects.live().child_of(course).first()
    targets["page"] = [
        Target(f"page:{type(p).__name__}#{p.pk}", {"pk": p.pk}, "shared") for p in (index, lesson)
    ]
    targets["page_url"] = [
        Target(f"url:{p.url_path}", {"path": p.get_url()}, "shared")
        for p in (home, index, course, lesson)
    ]
    targets["course"] = [Target(f"course#{course.pk}", {"course_id": course.pk})]
    targets["lesson"] = [Target(f"lesson#{lesson.pk}", {"lesson_id": lesson.pk})]
    site = Site.objects.get(is_default_site=True)
    shared("site", site)
    shared("collection", Collection.get_first_root_node())
    shared("group", Group.objects.get(name="人事专员"))
    workflow = Workflow.objects.order_by("pk").first()
    shared("workflow", workflow)
    shared("task", WorkflowTask.objects.order_by("pk").first() if workflow else None)
    document = Document.objects.create(
        title="矩阵测试文件", file=ContentFile(b"matrix document", "matrix.txt")
    )
    shared("document", document)
    image = Image.objects.create(
        title="矩阵测试图片", file=ContentFile(_png(), "matrix.png"), width=1, height=1
    )
    shared("image", image)
    # A question-bank image (exams:question_image) that no paper shows: the bank's staff only.
    from exams.formats.base import ParsedImage
    from exams.services.question_images import question_images_store

    question_images_store(images=[ParsedImage("matrix-bank.png", _png())])
    shared("question_image", Image.objects.get(title="matrix-bank.png"))
    shared("redirect", Redirect.objects.create(old_path="/matrix-old", redirect_link="/"))
    _wagtail_and_alias_targets(targets, course=course, lesson=lesson, home=home)
    return World(
        users=users,
        people=people,
        district_path=xihu.path,
        other_district_path=shangcheng.path,
        targets=targets,
        attempt_tokens=tokens,
    )


def _requirement():
    from learning.models import StudyRequirement

    return StudyRequirement.objects.create(
        year=timezone.localdate().year, category="civil_servant", hours=Decimal("40")
    )


def people_export_bytes(people: list[Person]) -> bytes:
    """A file holding people's details, as a batch job produces: its download must go to
    its creator (or staff in scope for its content) only."""
    lines = ["姓名,工号,身份证号,手机,邮箱"]
    # ID numbers masked, as every export of the platform writes them.
    lines += [
        f"{p.name},{p.employee_number},{p.national_id[:3]}{'*' * 11}{p.national_id[-4:]},"
        f"{p.phone},{p.email}"
        for p in people
    ]
    return "\n".join(lines).encode("utf-8")


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def _alias(targets: dict[str, list[Target]], kind: str, source: str, key: str) -> None:
    """The same objects under another parameter name (``user`` as ``person_id``...)."""
    targets[kind] = [
        Target(t.label, {key: next(iter(t.kwargs.values()))}, t.scope, t.query, t.holder, t.own_by)
        for t in targets[source]
    ]


def _wagtail_and_alias_targets(targets, *, course, lesson, home) -> None:
    """Targets of Wagtail's own admin views and of front-office views' parameter names."""
    from wagtail.models import (
        PageViewRestriction,
        Revision,
        TaskState,
        Workflow,
        WorkflowState,
    )

    from certification.services import TRANSITION_SERVICES

    for kind, source, key in (
        ("user_id", "user", "user_id"),
        ("person_id", "user", "person_id"),
        ("unit_id", "orgunit", "unit_id"),
        ("job_id", "job", "job_id"),
        ("session_id", "session", "session_id"),
        ("parent_page", "page", "parent_page_id"),
        ("page_id", "page", "page_id"),
        ("page_move", "page", "page_to_move_id"),
        ("document_id", "document", "document_id"),
        ("doc_id", "document", "doc_id"),
        ("image_id", "image", "image_id"),
        ("collection_id", "collection", "collection_id"),
        ("redirect_id", "redirect", "redirect_id"),
        ("task_id", "task", "task_id"),
        ("workflow_remove_page", "page", "page_pk"),
    ):
        _alias(targets, kind, source, key)
    year = timezone.localdate().year
    targets["year"] = [
        Target(f"year:{year}", {"year": year}),
        Target(f"year:{year - 1}", {"year": year - 1}),
    ]
    targets["hr_export"] = [
        Target(f"export:{table}.{fmt}", {"table": table, "fmt": fmt})
        for table in ("units", "people", "appraisal")
        for fmt in ("csv", "xlsx")
    ]
    targets["credential_action"] = [
        Target(f"{t.label}/{action}", {**t.kwargs, "action": action}, t.scope, holder=t.holder)
        for t in targets["credential"]
        for action in sorted(TRANSITION_SERVICES)[:2]
    ]
    # The monitor's actions on each attempt (running, finished, in and out of scope).
    targets["attempt_action"] = [
        Target(f"{t.label}/{action}", {**t.kwargs, "action": action}, t.scope, holder=t.holder)
        for t in targets["attempt"]
        for action in ("extend", "force_submit", "void", "reopen")
    ]
    # Remedies for a faulty question: the dry-run pages of a session's drop / full marks, and
    # a regrade's progress page (a session's regrade goes with the session's scope).
    from exams.models import Question, Regrade

    question = Question.objects.get(pk=targets["question"][0].kwargs["pk"])
    targets["regrade_remedy"] = [
        Target(
            f"{t.label}/{action}",
            {"pk": question.pk, "session_pk": t.kwargs["pk"], "action": action},
            t.scope,
        )
        for t in targets["session"]
        for action in ("drop", "full_marks")
    ]
    targets["regrade"] = [
        Target(
            f"regrade:{t.label}",
            {
                "pk": Regrade.objects.create(
                    question=question,
                    session_id=t.kwargs["pk"],
                    action=Regrade.Action.FULL_MARKS,
                    reason="矩阵测试",
                    status=Regrade.Status.DONE,
                ).pk
            },
            t.scope,
        )
        for t in targets["session"]
    ]
    targets["admin_missing"] = [Target("admin/no-such-page", {"path": "/admin/no-such-page/"})]
    targets["page_url"] += [Target("url:/no-such-page/", {"path": "/no-such-page/"})]
    targets["document_serve"] = [
        Target(
            f"document:{t.kwargs['pk']}",
            {"path": f"/documents/{t.kwargs['pk']}/matrix.txt"},
        )
        for t in targets["document"]
    ]
    restriction = PageViewRestriction.objects.create(
        page=lesson, restriction_type=PageViewRestriction.PASSWORD, password="matrix-page"
    )
    targets["page_restriction"] = [
        Target(
            f"restriction#{restriction.pk}",
            {"page_view_restriction_id": restriction.pk, "page_id": lesson.pk},
        )
    ]
    targets["restriction_id"] = [Target("restriction:none", {"restriction_id": 999999})]
    targets["reset_token"] = [Target("reset:forged", {"uidb64": "MQ", "token": "set-password"})]
    targets["email_key"] = [
        Target("email-key:forged", {"path": "/accounts/confirm-email/forged-key/"})
    ]
    targets["reset_key"] = [
        Target("reset-key:forged", {"path": "/accounts/password/reset/key/1-forged/"})
    ]
    targets["page_type"] = [
        Target(
            "type:courses.coursepage",
            {"content_type_app_name": "courses", "content_type_model_name": "coursepage"},
        )
    ]
    targets["page_type_create"] = [
        Target("type:courses.coursepage", {"app_label": "courses", "model_name": "coursepage"})
    ]
    targets["page_add"] = [
        Target(
            f"add:lessonpage@{course.pk}",
            {
                "content_type_app_name": "courses",
                "content_type_model_name": "lessonpage",
                "parent_page_id": course.pk,
            },
        )
    ]
    targets["page_move_confirm"] = [
        Target(
            f"move:{lesson.pk}->{home.pk}",
            {"page_to_move_id": lesson.pk, "destination_id": home.pk},
        )
    ]
    revision = Revision.objects.for_instance(lesson).first()
    revision = revision or lesson.save_revision()
    targets["revision"] = [
        Target(f"revision#{revision.pk}", {"page_id": lesson.pk, "revision_id": revision.pk})
    ]
    targets["revision_compare"] = [
        Target(
            f"compare:{lesson.pk}",
            {"path": f"/admin/pages/{lesson.pk}/revisions/compare/earliest...{revision.pk}/"},
        )
    ]
    workflow = Workflow.objects.order_by("pk").first()
    task = targets["task"][0]
    state = WorkflowState.objects.order_by("pk").first()
    task_state = TaskState.objects.order_by("pk").first()
    targets["workflow_state"] = [
        Target(
            "workflow-state",
            {"page_id": lesson.pk, "workflow_state_id": state.pk if state else 999999},
        )
    ]
    targets["workflow_action"] = [
        Target(
            "workflow-action",
            {
                "page_id": lesson.pk,
                "action_name": "approve",
                "task_state_id": task_state.pk if task_state else 999999,
            },
        )
    ]
    targets["workflow_preview"] = [
        Target("workflow-preview", {"page_id": lesson.pk, "task_id": task.kwargs["pk"]})
    ]
    targets["workflow_remove"] = [
        Target("workflow-remove", {"page_pk": home.pk, "workflow_pk": workflow.pk})
    ]
    targets["task_type"] = [
        Target(
            "task-type:groupapprovaltask",
            {"app_label": "wagtailcore", "model_name": "groupapprovaltask"},
        )
    ]
    targets["setting"] = [Target("setting:none", {"app_name": "people", "model_name": "user"})]
    targets["setting_pk"] = [
        Target("setting:none", {"app_name": "people", "model_name": "user", "pk": 1})
    ]
    targets["uploaded_file"] = [Target("upload:none", {"uploaded_file_id": 999999})]
    targets["image_preview"] = [
        Target(f"{t.label}/original", {"image_id": t.kwargs["pk"], "filter_spec": "original"})
        for t in targets["image"]
    ]
    targets["page_action"] = [
        Target(f"page#{lesson.pk}/{action}", {"pk": lesson.pk, "action_name": action})
        for action in ("copy", "move", "publish")
    ]
    targets["tag_model"] = [
        Target("tags:wagtailimages.image", {"app_name": "wagtailimages", "model_name": "image"})
    ]
    targets["editing_session"] = [
        Target(
            "editing-session:none",
            {
                "app_label": "wagtailcore",
                "model_name": "page",
                "object_id": str(lesson.pk),
                "session_id": 999999,
            },
        )
    ]
    targets["bulk"] = _bulk_targets(targets)


def _bulk_targets(targets) -> list[Target]:
    """Every registered bulk action, with in- and out-of-scope ids where the model is scoped."""
    from wagtail.admin.views.bulk_action.registry import bulk_action_registry

    bulk_action_registry._scan_for_bulk_actions()
    by_model = {
        ("people", "user"): targets["user"],
        ("wagtailcore", "page"): targets["page"][1:],
        ("wagtaildocs", "document"): targets["document"],
        ("wagtailimages", "image"): targets["image"],
        ("exams", "question"): targets["question"],
    }
    found = []
    for app_label, models in sorted(bulk_action_registry.actions.items()):
        for model_name, actions in sorted(models.items()):
            objects = by_model.get((app_label, model_name))
            if objects is None:
                raise AssertionError(
                    f"matrix data: no objects for bulk actions on {app_label}.{model_name}"
                )
            for action in sorted(actions):
                for t in objects:
                    found.append(
                        Target(
                            f"bulk:{app_label}.{model_name}.{action}:{t.label}",
                            {"app_label": app_label, "model_name": model_name, "action": action},
                            t.scope,
                            query=f"id={next(iter(t.kwargs.values()))}",
                            holder=t.holder,
                        )
                    )
    return found
