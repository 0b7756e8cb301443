"""The default topic tree, present in every deployment (more can be added in the admin)."""

from django.db import transaction

from ..models import Topic

DEFAULT_TOPICS: list[tuple[str, list[str]]] = [
    ("宪法", []),
    (
        "行政法",
        ["行政许可", "行政处罚", "行政强制", "行政复议", "行政诉讼", "国家赔偿", "政府信息公开"],
    ),
    ("公务员法", []),
    ("依法行政与法治政府", []),
    ("专门法律知识", []),
]


@transaction.atomic
def topics_ensure_defaults() -> int:
    """Create the default topics that are missing; returns how many were created."""
    created = 0
    for root_name, children in DEFAULT_TOPICS:
        root = Topic.get_root_nodes().filter(name=root_name).first()
        if root is None:
            root = Topic.add_root(name=root_name)
            created += 1
        existing = set(root.get_children().values_list("name", flat=True))
        for child in children:
            if child not in existing:
                root.add_child(name=child)
                root.refresh_from_db()
                created += 1
    return created
