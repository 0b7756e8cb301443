"""Demo course content built from the real law texts and the city's implementation plan.

Run it after the law library import (``demo_courses_load`` quotes articles by law key and
article number, always from the law's current version). It is idempotent by slug: pages that
already exist are left as they are, so editors' changes are never overwritten.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils.html import escape
from wagtail.models import Page, Site
from wagtail.search.backends import get_search_backend

from cms.laws.models import Article, LawVersion
from cms.laws.policies import IMPLEMENTATION_PLAN_KEY, unit_path

from .models import Audience, CourseIndexPage, CoursePage, HomePage, LessonPage, Track
from .services import course_workflow_setup

HOME_SLUG = "home"
COURSE_INDEX_SLUG = "courses"
PLAN_PATH = settings.SHARED_DIR / "content" / "implementation-plan.txt"


class DemoContentError(RuntimeError):
    """The data the demo is built from (law library, plan text) is missing or unexpected."""


# --- content description ---------------------------------------------------------------


def heading(text: str, level: str = "h2") -> tuple[str, Any]:
    return ("heading", {"text": text, "level": level})


def paragraph(*texts: str) -> tuple[str, Any]:
    return ("paragraph", "".join(f"<p>{escape(text)}</p>" for text in texts))


def quote(law_key: str, number: int, note: str = "") -> tuple[str, Any]:
    return ("law_article", {"law": law_key, "number": number, "note": note})


def self_check(question: str, options: list[tuple[str, bool]], explanation: str) -> tuple[str, Any]:
    return (
        "self_check",
        {
            "question": question,
            "options": [{"text": text, "is_correct": correct} for text, correct in options],
            "explanation": f"<p>{escape(explanation)}</p>",
        },
    )


@dataclass
class LessonSpec:
    slug: str
    title: str
    summary: str
    minutes: int
    body: list[tuple[str, Any]]


@dataclass
class CourseSpec:
    slug: str
    title: str
    track: str
    audience: list[str]
    study_hours: Decimal
    intro: str
    lessons: list[LessonSpec] = field(default_factory=list)


# --- (a) the Constitution ------------------------------------------------------------------


def constitution_course() -> CourseSpec:
    preamble = constitution_preamble()
    return CourseSpec(
        slug="constitution",
        title="宪法基础知识",
        track=Track.CONSTITUTION,
        audience=[Audience.ALL_CIVIL_SERVANTS, Audience.LEADING_CADRES],
        study_hours=Decimal("4"),
        intro=(
            "<p>按照现行《中华人民共和国宪法》（2018年修正）的结构，逐章学习宪法的基本内容："
            "序言、总纲、公民的基本权利和义务、国家机构，以及国旗、国歌、国徽、首都。</p>"
            "<p>每课引用宪法原文，并配有随堂自测。</p>"
        ),
        lessons=[
            LessonSpec(
                slug="preamble",
                title="序言",
                summary="宪法序言回顾了中国人民的奋斗历程，确认了宪法是国家的根本法。",
                minutes=15,
                body=[
                    heading("序言的内容"),
                    paragraph(
                        "宪法序言记述了中国近代以来的历史和中华人民共和国成立以来的建设成就，"
                        "确立了国家的根本任务和指导思想，阐明了统一战线、民族关系和对外政策。",
                        "序言最后一段明确了宪法的地位和效力。原文如下：",
                    ),
                    ("paragraph", f"<blockquote><p>{escape(preamble[-1])}</p></blockquote>"),
                    heading("宪法是国家的根本法"),
                    paragraph(
                        "宪法具有最高的法律效力。一切国家机关和武装力量、各政党和各社会团体、"
                        "各企业事业组织，都必须以宪法为根本的活动准则，并负有维护宪法尊严、"
                        "保证宪法实施的职责。行政机关工作人员依法行政，首先要遵守宪法。"
                    ),
                    self_check(
                        "根据宪法序言，宪法具有怎样的法律效力？",
                        [
                            ("最高的法律效力", True),
                            ("与法律相同的效力", False),
                            ("仅对国家机关具有效力", False),
                        ],
                        "序言最后一段规定，本宪法“是国家的根本法，具有最高的法律效力”，"
                        "全国各族人民、一切国家机关和武装力量、各政党和各社会团体、"
                        "各企业事业组织，都必须以宪法为根本的活动准则。",
                    ),
                ],
            ),
            LessonSpec(
                slug="chapter-1",
                title="第一章 总纲",
                summary="国家性质、人民主权、民主集中制、依法治国和国家机关的工作原则。",
                minutes=20,
                body=[
                    heading("国家的性质和根本制度"),
                    quote("constitution", 1),
                    paragraph(
                        "第一条规定了我国的国体，并明确社会主义制度是我国的根本制度，"
                        "中国共产党领导是中国特色社会主义最本质的特征。"
                    ),
                    quote("constitution", 2),
                    paragraph(
                        "一切权力属于人民。人民行使国家权力的机关是全国人民代表大会和"
                        "地方各级人民代表大会。"
                    ),
                    quote("constitution", 3),
                    heading("依法治国"),
                    quote("constitution", 5),
                    paragraph(
                        "第五条确立了依法治国的基本方略，要求维护社会主义法制的统一和尊严："
                        "一切法律、行政法规和地方性法规都不得同宪法相抵触；"
                        "一切违反宪法和法律的行为，必须予以追究。"
                    ),
                    quote("constitution", 27, "国家机关工作人员培训和考核制度的宪法依据。"),
                    paragraph(
                        "第二十七条要求一切国家机关实行工作人员的培训和考核制度。"
                        "公务员学法考法，正是这一制度的具体落实。"
                    ),
                    self_check(
                        "根据宪法第五条，下列说法正确的是：",
                        [
                            ("一切法律、行政法规和地方性法规都不得同宪法相抵触", True),
                            ("一切违反宪法和法律的行为，必须予以追究", True),
                            ("地方性法规在本行政区域内可以与宪法不一致", False),
                            ("只有国家机关必须遵守宪法和法律", False),
                        ],
                        "宪法第五条第三款规定一切法律、行政法规和地方性法规都不得同宪法相抵触；"
                        "第四款规定一切国家机关和武装力量、各政党和各社会团体、"
                        "各企业事业组织都必须遵守宪法和法律，一切违反宪法和法律的行为，"
                        "必须予以追究。",
                    ),
                ],
            ),
            LessonSpec(
                slug="chapter-2",
                title="第二章 公民的基本权利和义务",
                summary="法律面前一律平等、人权保障、人身自由，以及公民的批评建议和取得赔偿的权利。",
                minutes=20,
                body=[
                    heading("公民与平等"),
                    quote("constitution", 33),
                    paragraph(
                        "中华人民共和国公民在法律面前一律平等，国家尊重和保障人权。"
                        "公民享有宪法和法律规定的权利，同时必须履行宪法和法律规定的义务。"
                    ),
                    heading("人身自由"),
                    quote("constitution", 37),
                    paragraph(
                        "逮捕公民须经人民检察院批准或者决定，或者人民法院决定，并由公安机关执行。"
                        "行政机关在执法中不得非法拘禁或者以其他方法非法剥夺、限制公民的人身自由。"
                    ),
                    heading("监督国家机关的权利"),
                    quote("constitution", 41),
                    paragraph(
                        "公民对国家机关和国家工作人员有提出批评和建议的权利，"
                        "对其违法失职行为有申诉、控告或者检举的权利。"
                        "因国家机关和国家工作人员侵犯公民权利而受到损失的人，"
                        "有依照法律规定取得赔偿的权利——国家赔偿法即以此为依据。"
                    ),
                    quote("constitution", 52),
                    self_check(
                        "根据宪法，逮捕公民须经哪些机关批准、决定并执行？",
                        [
                            (
                                "经人民检察院批准或者决定或者人民法院决定，并由公安机关执行",
                                True,
                            ),
                            ("经县级以上人民政府批准，由公安机关执行", False),
                            ("由公安机关自行决定并执行", False),
                        ],
                        "宪法第三十七条第二款规定：任何公民，非经人民检察院批准或者决定"
                        "或者人民法院决定，并由公安机关执行，不受逮捕。",
                    ),
                ],
            ),
            LessonSpec(
                slug="chapter-3",
                title="第三章 国家机构",
                summary="人民代表大会、国务院、地方人民政府、监察委员会、人民法院和人民检察院。",
                minutes=25,
                body=[
                    heading("国家权力机关"),
                    quote("constitution", 57),
                    heading("国家行政机关"),
                    quote("constitution", 85),
                    quote("constitution", 105),
                    paragraph(
                        "国务院是最高国家权力机关的执行机关，是最高国家行政机关；"
                        "地方各级人民政府是地方各级国家权力机关的执行机关，"
                        "是地方各级国家行政机关。行政机关由人民代表大会产生，对它负责，受它监督。"
                    ),
                    quote("constitution", 107),
                    heading("监察机关和司法机关"),
                    quote("constitution", 123),
                    quote("constitution", 128),
                    quote("constitution", 131),
                    quote("constitution", 134),
                    paragraph(
                        "人民法院依照法律规定独立行使审判权，不受行政机关、社会团体和个人的干涉。"
                        "行政机关工作人员不得干预司法活动。"
                    ),
                    self_check(
                        "根据宪法，地方各级人民政府的性质是：",
                        [
                            ("地方各级国家权力机关的执行机关，是地方各级国家行政机关", True),
                            ("地方各级国家权力机关", False),
                            ("地方的法律监督机关", False),
                        ],
                        "宪法第一百零五条第一款规定：地方各级人民政府是地方各级国家权力机关的"
                        "执行机关，是地方各级国家行政机关。",
                    ),
                ],
            ),
            LessonSpec(
                slug="chapter-4",
                title="第四章 国旗、国歌、国徽、首都",
                summary="国家象征和首都。",
                minutes=10,
                body=[
                    quote("constitution", 141),
                    quote("constitution", 142),
                    quote("constitution", 143),
                    paragraph(
                        "国旗、国歌、国徽是国家的象征和标志，由宪法直接规定。"
                        "国歌写入宪法是2018年宪法修正的内容之一。"
                    ),
                    self_check(
                        "根据宪法，中华人民共和国国歌是：",
                        [
                            ("《义勇军进行曲》", True),
                            ("《歌唱祖国》", False),
                            ("《国际歌》", False),
                        ],
                        "宪法第一百四十一条第二款规定：中华人民共和国国歌是《义勇军进行曲》。",
                    ),
                ],
            ),
        ],
    )


def constitution_preamble() -> list[str]:
    """The preamble's paragraphs, as imported with the Constitution's current version."""
    version = LawVersion.objects.filter(law__key="constitution", is_current=True).first()
    if version is None:
        raise DemoContentError("宪法尚未导入法律法规库。")
    paragraphs = [line for line in version.preamble.splitlines() if line.strip()]
    if not paragraphs:
        raise DemoContentError("宪法文本中没有序言。")
    return paragraphs


# --- (b) administrative law ----------------------------------------------------------------


def administrative_law_course() -> CourseSpec:
    return CourseSpec(
        slug="administrative-law",
        title="行政法律制度",
        track=Track.ADMINISTRATIVE_LAW,
        audience=[
            Audience.ALL_CIVIL_SERVANTS,
            Audience.LEADING_CADRES,
            Audience.ENFORCEMENT_OFFICERS,
        ],
        study_hours=Decimal("6"),
        intro=(
            "<p>学习行政许可、行政处罚、行政强制三部规范行政行为的法律，"
            "以及行政复议、行政诉讼和国家赔偿三部监督与救济的法律。"
            "重点掌握各法的基本原则和法定期限。</p>"
        ),
        lessons=[
            LessonSpec(
                slug="administrative-licensing",
                title="行政许可法",
                summary="行政许可的概念、法定原则、信赖保护和办理期限。",
                minutes=20,
                body=[
                    heading("什么是行政许可"),
                    quote("administrative-licensing-law", 2),
                    heading("基本原则"),
                    quote("administrative-licensing-law", 4),
                    quote("administrative-licensing-law", 5),
                    paragraph(
                        "设定和实施行政许可必须依照法定的权限、范围、条件和程序，"
                        "遵循公开、公平、公正、非歧视的原则。有关行政许可的规定应当公布，"
                        "未经公布的，不得作为实施行政许可的依据。"
                    ),
                    quote("administrative-licensing-law", 8),
                    paragraph(
                        "第八条体现信赖保护原则：行政机关不得擅自改变已经生效的行政许可；"
                        "为了公共利益确需变更或者撤回的，造成财产损失应当依法给予补偿。"
                    ),
                    heading("办理期限"),
                    quote("administrative-licensing-law", 42),
                    self_check(
                        "除可以当场作出的外，行政机关一般应当自受理行政许可申请之日起"
                        "多少日内作出行政许可决定？",
                        [("十日", False), ("二十日", True), ("三十日", False), ("六十日", False)],
                        "行政许可法第四十二条规定为二十日；二十日内不能作出决定的，"
                        "经本行政机关负责人批准，可以延长十日，并应当将延长期限的理由告知申请人。"
                        "法律、法规另有规定的，依照其规定。",
                    ),
                ],
            ),
            LessonSpec(
                slug="administrative-penalty",
                title="行政处罚法",
                summary="行政处罚的概念和原则、一事不再罚、不予处罚的情形、追责时效和告知程序。",
                minutes=25,
                body=[
                    heading("概念和原则"),
                    quote("administrative-penalty-law", 2),
                    quote("administrative-penalty-law", 5),
                    paragraph(
                        "行政处罚遵循公正、公开的原则，坚持过罚相当："
                        "处罚必须以事实为依据，与违法行为的事实、性质、情节以及社会危害程度相当。"
                        "未经公布的规定不得作为行政处罚的依据。"
                    ),
                    heading("适用规则"),
                    quote("administrative-penalty-law", 29),
                    quote("administrative-penalty-law", 33),
                    paragraph(
                        "违法行为轻微并及时改正、没有造成危害后果的，不予行政处罚；"
                        "初次违法且危害后果轻微并及时改正的，可以不予行政处罚；"
                        "当事人有证据足以证明没有主观过错的，不予行政处罚。"
                    ),
                    quote("administrative-penalty-law", 36),
                    heading("程序保障"),
                    quote("administrative-penalty-law", 44),
                    self_check(
                        "一般情况下，违法行为在多长时间内未被发现的，不再给予行政处罚？",
                        [("六个月", False), ("一年", False), ("二年", True), ("五年", False)],
                        "行政处罚法第三十六条规定为二年；涉及公民生命健康安全、金融安全且有危害后果的，"
                        "延长至五年。期限从违法行为发生之日起计算；违法行为有连续或者继续状态的，"
                        "从行为终了之日起计算。",
                    ),
                ],
            ),
            LessonSpec(
                slug="administrative-compulsion",
                title="行政强制法",
                summary="行政强制措施与行政强制执行、适当原则、查封扣押期限和执行限制。",
                minutes=20,
                body=[
                    heading("两类行政强制"),
                    quote("administrative-compulsion-law", 2),
                    heading("适当原则"),
                    quote("administrative-compulsion-law", 5),
                    paragraph("采用非强制手段可以达到行政管理目的的，不得设定和实施行政强制。"),
                    heading("查封、扣押的期限"),
                    quote("administrative-compulsion-law", 25),
                    heading("执行中的限制"),
                    quote("administrative-compulsion-law", 43),
                    paragraph(
                        "行政机关不得在夜间或者法定节假日实施行政强制执行（情况紧急的除外），"
                        "也不得对居民生活采取停止供水、供电、供热、供燃气等方式迫使当事人履行。"
                    ),
                    quote("administrative-compulsion-law", 53),
                    self_check(
                        "关于查封、扣押的期限，下列说法正确的是：",
                        [
                            (
                                "不得超过三十日；情况复杂的，经行政机关负责人批准可以延长，"
                                "但延长期限不得超过三十日",
                                True,
                            ),
                            ("不得超过六十日，不得延长", False),
                            ("由执法人员根据案情自行确定", False),
                        ],
                        "行政强制法第二十五条规定：查封、扣押的期限不得超过三十日；情况复杂的，"
                        "经行政机关负责人批准，可以延长，但是延长期限不得超过三十日。"
                        "法律、行政法规另有规定的除外。",
                    ),
                ],
            ),
            LessonSpec(
                slug="administrative-reconsideration",
                title="行政复议法",
                summary="行政复议的目的和原则、受案范围、申请期限和审理期限（2023年修订）。",
                minutes=20,
                body=[
                    heading("立法目的和原则"),
                    quote("administrative-reconsideration-law", 1),
                    quote("administrative-reconsideration-law", 3),
                    paragraph(
                        "2023年修订的行政复议法明确提出发挥行政复议化解行政争议的主渠道作用，"
                        "并规定行政复议机关应当遵循合法、公正、公开、高效、便民、为民的原则。"
                    ),
                    heading("申请期限"),
                    quote("administrative-reconsideration-law", 20),
                    heading("审理期限"),
                    quote("administrative-reconsideration-law", 62),
                    self_check(
                        "公民认为行政行为侵犯其合法权益的，一般应当在多长期限内提出行政复议申请？",
                        [
                            ("自知道或者应当知道该行政行为之日起六十日内", True),
                            ("自该行政行为作出之日起十五日内", False),
                            ("自知道该行政行为之日起六个月内", False),
                        ],
                        "行政复议法第二十条规定：可以自知道或者应当知道该行政行为之日起"
                        "六十日内提出行政复议申请；但是法律规定的申请期限超过六十日的除外。",
                    ),
                ],
            ),
            LessonSpec(
                slug="administrative-litigation",
                title="行政诉讼法",
                summary="起诉权、合法性审查、被告举证责任、复议与诉讼的衔接和起诉期限。",
                minutes=20,
                body=[
                    heading("受案和审查"),
                    quote("administrative-litigation-law", 2),
                    quote("administrative-litigation-law", 3),
                    quote("administrative-litigation-law", 6),
                    heading("被告的举证责任"),
                    quote("administrative-litigation-law", 34),
                    paragraph(
                        "行政诉讼中由被告行政机关对作出的行政行为负举证责任。"
                        "被告不提供或者无正当理由逾期提供证据的，视为没有相应证据。"
                        "因此，执法时就要做到事实清楚、证据确凿、依据明确。"
                    ),
                    heading("复议与诉讼、起诉期限"),
                    quote("administrative-litigation-law", 44),
                    quote("administrative-litigation-law", 45),
                    quote("administrative-litigation-law", 46),
                    self_check(
                        "在行政诉讼中，谁对被诉行政行为的合法性负举证责任？",
                        [
                            ("原告", False),
                            ("被告", True),
                            ("人民法院", False),
                        ],
                        "行政诉讼法第三十四条规定：被告对作出的行政行为负有举证责任，"
                        "应当提供作出该行政行为的证据和所依据的规范性文件。",
                    ),
                ],
            ),
            LessonSpec(
                slug="state-compensation",
                title="国家赔偿法",
                summary="取得国家赔偿的权利、行政赔偿范围、请求程序、决定期限和请求时效。",
                minutes=20,
                body=[
                    quote("state-compensation-law", 2),
                    heading("行政赔偿的范围"),
                    quote("state-compensation-law", 3),
                    quote("state-compensation-law", 4),
                    heading("请求程序和期限"),
                    quote("state-compensation-law", 9),
                    quote("state-compensation-law", 13),
                    quote("state-compensation-law", 39),
                    paragraph(
                        "赔偿请求人应当先向赔偿义务机关提出，也可以在申请行政复议或者提起行政诉讼时"
                        "一并提出。赔偿义务机关应当自收到申请之日起两个月内作出是否赔偿的决定。"
                        "请求国家赔偿的时效为两年。"
                    ),
                    self_check(
                        "赔偿义务机关应当自收到赔偿申请之日起多长时间内作出是否赔偿的决定？",
                        [("十日", False), ("一个月", False), ("两个月", True), ("六个月", False)],
                        "国家赔偿法第十三条第一款规定：赔偿义务机关应当自收到申请之日起两个月内，"
                        "作出是否赔偿的决定。",
                    ),
                ],
            ),
        ],
    )


# --- (c) the city's implementation plan ----------------------------------------------------

TOP_SECTION_RE = re.compile(r"^(?P<number>[一二三四五六七八九十]+)、(?P<title>.+)$")
SUB_SECTION_RE = re.compile(r"^\((?P<number>[一二三四五六七八九十]+)\)(?P<title>[^。]+)。$")

# One self-check per lesson, in the order of the plan's sections; each key is stated in the
# section's own text, quoted in the explanation.
PLAN_SELF_CHECKS: list[tuple[str, list[tuple[str, bool]], str]] = [
    (
        "实施方案提出的依法行政基本要求包括：",
        [("合法行政", True), ("程序正当", True), ("诚实守信", True), ("先罚后教", False)],
        "基本要求中写明：做到合法行政、合理行政、程序正当、高效便民、诚实守信、权责统一。",
    ),
    (
        "关于罚款指标和收费指标，实施方案的要求是：",
        [
            ("任何单位和个人不得向执法人员下达或变相下达", True),
            ("可以结合年度预算向执法人员下达", False),
            ("可以下达，但须经本级政府批准", False),
        ],
        "实施方案规定：不得将年度预算安排与行政机关的行政事业性收费和罚没收入挂钩，"
        "任何单位和个人不得向执法人员下达或变相下达罚款指标和收费指标。",
    ),
    (
        "实施方案要求建立怎样的决策机制？",
        [
            ("公众参与、专家论证和政府决定相结合的决策机制", True),
            ("由部门主要负责人个人决定的决策机制", False),
            ("仅由专家论证决定的决策机制", False),
        ],
        "实施方案要求建立公众参与、专家论证和政府决定相结合的决策机制，"
        "坚持重大决策的法律论证和合法性审查制度、重大决策集体讨论制度和决策依法公开制度。",
    ),
    (
        "规范性文件不得设定下列哪些事项？",
        [
            ("行政处罚", True),
            ("行政许可", True),
            ("行政事业性收费", True),
            ("与法律、法规、规章相抵触但经试点的内容", False),
        ],
        "实施方案规定：规范性文件应当遵循法制统一的原则，不得与法律、法规、规章相抵触，"
        "不得设定行政处罚、行政许可和行政事业性收费。",
    ),
    (
        "非行政机关的组织在什么情况下可以行使行政执法权？",
        [
            ("经法律、法规授权或者行政机关的合法委托", True),
            ("经本单位领导同意", False),
            ("任何情况下都不可以", False),
        ],
        "实施方案规定：非行政机关的组织未经法律、法规授权或者行政机关的合法委托，"
        "不得行使行政执法权。",
    ),
    (
        "对可以通过复议、诉讼等法律程序解决的信访事项，行政机关应当：",
        [
            ("积极引导当事人通过法律途径解决", True),
            ("一律不予受理", False),
            ("一律按信访程序处理", False),
        ],
        "实施方案规定：对可以通过复议、诉讼等法律程序解决的信访事项，"
        "行政机关应当积极引导当事人通过法律途径解决。",
    ),
    (
        "对人民法院受理的行政案件，行政机关应当：",
        [
            ("按时答辩，积极出庭应诉", True),
            ("只提交书面意见，无须出庭", False),
            ("由上级机关代为应诉", False),
        ],
        "实施方案规定：对人民法院受理的行政案件，行政机关应当按时答辩，积极出庭应诉；"
        "对人民法院依法作出的生效的行政裁决，行政机关应当自觉履行。",
    ),
    (
        "实施方案在公务员学法方面提出了哪些制度？",
        [
            ("逐步建立对领导干部任职前实行法律知识考试的制度", True),
            ("结合行政执法人员资格管理，实施行政执法人员的年度业务轮训", True),
            ("学习培训与公务员年度考核、职务晋升、选拔使用相分离", False),
        ],
        "实施方案要求逐步建立领导干部任职前法律知识考试制度，实施行政执法人员年度业务轮训，"
        "并把学习培训与公务员年度考核、职务晋升、选拔使用相结合。",
    ),
    (
        "推进依法行政工作的第一责任人是：",
        [
            ("各级政府及其工作部门的行政首长", True),
            ("政府法制机构的负责人", False),
            ("各部门的法制员", False),
        ],
        "实施方案规定：各区、县(市)政府及其工作部门也应建立健全推进依法行政工作的组织机制，"
        "其行政首长为推进依法行政工作的第一责任人。",
    ),
]

PLAN_LESSON_MINUTES = 15


@dataclass
class PlanSection:
    title: str
    paragraphs: list[str]


def plan_sections(text: str) -> tuple[str, str, list[PlanSection]]:
    """Split the plan into (title, preamble, sections).

    Part 二 (tasks and measures) is long, so each of its numbered subsections is a section of
    its own; parts 一 and 三 are one section each.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines[0]
    body_lines = [line for line in lines if line != title]
    preamble_parts: list[str] = []
    sections: list[PlanSection] = []
    part_number = part_title = ""
    for line in body_lines:
        top = TOP_SECTION_RE.match(line)
        if top:
            part_number, part_title = top["number"], top["title"]
            if part_number != "二":
                sections.append(PlanSection(title=f"{part_number}、{part_title}", paragraphs=[]))
            continue
        sub = SUB_SECTION_RE.match(line)
        if sub and part_number == "二":
            sections.append(
                PlanSection(title=f"{part_title}（{sub['number']}）：{sub['title']}", paragraphs=[])
            )
            continue
        if not sections:
            preamble_parts.append(line)
        else:
            sections[-1].paragraphs.append(line)
    return title, "".join(preamble_parts), sections


def plan_units_by_lesson() -> list[list[int]]:
    """The plan's units in the library (current text), one list of unit numbers per lesson:
    part 一, each section of part 二, part 三 — the lessons ``plan_sections`` makes."""
    numbers = (
        Article.objects.filter(version__law__key=IMPLEMENTATION_PLAN_KEY, version__is_current=True)
        .order_by("number")
        .values_list("number", flat=True)
    )
    groups: dict[tuple[int, int], list[int]] = {}
    for number in numbers:
        part, section, _item, _sub_item = unit_path(number)
        groups.setdefault((part, section if part == 2 else 0), []).append(number)
    if not groups:
        raise DemoContentError("法律法规库中没有实施方案；请先运行 import_policies。")
    return [groups[key] for key in sorted(groups)]


def implementation_plan_course() -> CourseSpec:
    try:
        text = PLAN_PATH.read_text(encoding="utf-8")
    except OSError as exc:
        raise DemoContentError(f"无法读取实施方案：{PLAN_PATH}") from exc
    title, preamble, sections = plan_sections(text)
    if len(sections) != len(PLAN_SELF_CHECKS):
        raise DemoContentError(
            f"实施方案分为 {len(sections)} 节，与自测题数 {len(PLAN_SELF_CHECKS)} 不符。"
        )
    units = plan_units_by_lesson()
    if len(units) != len(sections):
        raise DemoContentError(
            f"法律法规库中的实施方案分为 {len(units)} 节，与原文的 {len(sections)} 节不符；"
            "请先运行 import_policies。"
        )
    lessons = []
    for number, (section, check, numbers) in enumerate(
        zip(sections, PLAN_SELF_CHECKS, units, strict=True), 1
    ):
        lessons.append(
            LessonSpec(
                slug=f"section-{number}",
                title=section.title,
                summary=f"《{title}》原文：{section.title}。",
                minutes=PLAN_LESSON_MINUTES,
                # Each unit quoted from the library: the lesson links to it, cites it as the
                # bank's questions do, and says so when the plan is revised.
                body=[
                    *(quote(IMPLEMENTATION_PLAN_KEY, unit) for unit in numbers),
                    self_check(*check),
                ],
            )
        )
    return CourseSpec(
        slug="implementation-plan",
        title=f"《{title}》解读",
        track=Track.RULE_OF_LAW_PLAN,
        audience=[Audience.ALL_CIVIL_SERVANTS],
        study_hours=Decimal("4"),
        intro=(f"<p>逐节学习《{escape(title)}》全文。</p><p>{escape(preamble)}</p>"),
        lessons=lessons,
    )


# --- loading ---------------------------------------------------------------------------


def _stream_data(body: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Raw StreamField data; law quotes are resolved to the current version's article ids."""
    data = []
    for block_type, value in body:
        if block_type == "law_article":
            article = _article(law_key=value["law"], number=value["number"])
            value = {"article": article.pk, "note": value["note"]}
        data.append({"type": block_type, "value": value, "id": str(uuid.uuid4())})
    return data


def _article(*, law_key: str, number: int) -> Article:
    try:
        return Article.objects.get(
            version__law__key=law_key, version__is_current=True, number=number
        )
    except Article.DoesNotExist as exc:
        raise DemoContentError(
            f"法律法规库中没有 {law_key} 第 {number} 条；请先导入 shared/laws。"
        ) from exc


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _child(parent: Page, slug: str) -> Page | None:
    return parent.get_children().filter(slug=slug).specific().first()


def _home_page() -> tuple[HomePage, int]:
    """The default site's root as a HomePage, replacing Wagtail's "Welcome" page."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None and isinstance(site.root_page.specific, HomePage):
        return site.root_page.specific, 0
    home = HomePage.objects.first()
    created = 0
    if home is None:
        root = Page.get_first_root_node()
        slug_taken = root.get_children().filter(slug=HOME_SLUG).exists()
        home = HomePage(
            title="依法行政学法考法平台",
            slug="fazhi-home" if slug_taken else HOME_SLUG,
            live=False,
            intro=(
                "<p>面向全市公务员的学法平台：学习宪法、行政法律制度和本市依法行政实施方案，"
                "参加学法考试，取得学时和证书。</p>"
            ),
        )
        root.add_child(instance=home)
        created = 1
    old_root = site.root_page if site is not None else None
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=settings.WAGTAIL_SITE_NAME,
        )
    else:
        site.root_page = home
        site.save(update_fields=["root_page"])
    # Wagtail's placeholder "Welcome to your new Wagtail site!" page goes once it is replaced.
    if old_root is not None and old_root.specific_class is Page and old_root.is_leaf():
        old_root.delete()
        if home.slug != HOME_SLUG:
            home.slug = HOME_SLUG
            home.save(update_fields=["slug", "url_path"])
    if created:
        _publish(home)
    return home, created


def _course_index(home: HomePage) -> tuple[CourseIndexPage, int]:
    index = _child(home, COURSE_INDEX_SLUG)
    if index is not None:
        return index, 0
    index = CourseIndexPage(
        title="课程中心",
        slug=COURSE_INDEX_SLUG,
        live=False,
        intro="<p>按课程类别浏览全部在线课程。每门课程学完全部课节后计入相应学时。</p>",
    )
    home.add_child(instance=index)
    _publish(index)
    return index, 1


def _course(index: CourseIndexPage, spec: CourseSpec) -> tuple[int, int]:
    """Create the course and any missing lessons; returns (courses created, lessons created)."""
    course = _child(index, spec.slug)
    courses_created = 0
    if course is None:
        course = CoursePage(
            title=spec.title,
            slug=spec.slug,
            live=False,
            track=spec.track,
            audience=[str(value) for value in spec.audience],
            study_hours=spec.study_hours,
            intro=spec.intro,
        )
        index.add_child(instance=course)
        _publish(course)
        courses_created = 1
    lessons_created = 0
    for lesson_spec in spec.lessons:
        if _child(course, lesson_spec.slug) is not None:
            continue
        lesson = LessonPage(
            title=lesson_spec.title,
            slug=lesson_spec.slug,
            live=False,
            summary=lesson_spec.summary,
            min_active_minutes=lesson_spec.minutes,
            body=_stream_data(lesson_spec.body),
        )
        course.add_child(instance=lesson)
        _publish(lesson)
        lessons_created += 1
    return courses_created, lessons_created


def demo_course_specs() -> list[CourseSpec]:
    return [constitution_course(), administrative_law_course(), implementation_plan_course()]


@transaction.atomic
def demo_courses_load(*, stdout: IO[str] | None = None) -> dict[str, int]:
    """Create the demo site (home, course centre, courses, lessons); counts created this run."""
    specs = demo_course_specs()  # reads all sources first: fail before writing anything
    home, home_created = _home_page()
    index, index_created = _course_index(home)
    counts = {"home": home_created, "course_index": index_created, "courses": 0, "lessons": 0}
    for spec in specs:
        courses_created, lessons_created = _course(index, spec)
        counts["courses"] += courses_created
        counts["lessons"] += lessons_created
        if stdout is not None:
            stdout.write(f"{spec.title}: {lessons_created} 课新建\n")
    course_workflow_setup()
    _course_pages_reindex()
    return counts


def _course_pages_reindex() -> None:
    """Index the course pages again, so a database loaded before the search index changed
    (the Chinese two-character pieces, ``cms.search``) is searchable after ``make run``."""
    backend = get_search_backend()
    for model in (CoursePage, LessonPage):
        backend.add_bulk(model, list(model.objects.all()))
