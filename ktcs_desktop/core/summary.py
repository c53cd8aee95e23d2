"""Wrap-up summaries of a consultation (Qt-free): structured extractive summary, Markdown and JSON.

`build_summary(source, catalog)` takes a stored `Consultation` or a live `ConsultationRecorder`
and extracts 고객 문의 의도, 논의한 요금제, 제안 내용 (offer events), 결과 and 후속 조치.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ktcs_desktop.core.catalog import PlanCatalog, given
from ktcs_desktop.core.formatting import won
from ktcs_desktop.core.models import Consultation, ConsultationEvent, Speaker, TranscriptLine

OUTCOMES = ("안내 완료", "요금제 변경", "재상담 예정", "이관", "기타")
_FOLLOW_UP_WORDS = ("다시 연락", "다시 전화", "확인 후", "문자로", "나중에", "생각해 보", "고민해 보", "재상담", "연락 드")


@dataclass(frozen=True)
class WrapUp:
    consultation_id: int | None
    started_at: datetime | None
    intents: tuple[str, ...]
    plans_discussed: tuple[str, ...]
    offers: tuple[str, ...]
    outcome: str
    follow_ups: tuple[str, ...]
    escalations: tuple[str, ...] = ()
    notes: str = ""
    summary_text: str = ""  # the editable text the agent saves
    line_count: int = 0
    generated_by: str = "offline"  # offline (extractive) | openai | saved (the agent's text or draft)
    extra: dict[str, Any] = field(default_factory=dict)
    # Who and when, for exports: the customer only masked (김*수, 010-****-5678).
    customer_masked: str = ""
    phone_masked: str = ""
    agent_id: str = ""
    ended_at: datetime | None = None

    @property
    def duration_s(self) -> int | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.started_at).total_seconds()))

    def header_lines(self) -> list[str]:
        """고객 / 상담원 / 시작·종료 / 통화 시간 — the same lines in every export format."""
        lines = []
        if self.customer_masked or self.phone_masked:
            lines.append(f"고객: {self.customer_masked or '미확인'} ({self.phone_masked or '번호 없음'})")
        if self.agent_id:
            lines.append(f"상담원: {self.agent_id}")
        if self.started_at:
            lines.append(f"상담 시작: {self.started_at:%Y-%m-%d %H:%M:%S}")
        if self.ended_at:
            lines.append(f"상담 종료: {self.ended_at:%Y-%m-%d %H:%M:%S}")
        if self.duration_s is not None:
            minutes, seconds = divmod(self.duration_s, 60)
            lines.append(f"통화 시간: {minutes}분 {seconds:02d}초")
        return lines

    def with_edits(self, summary_text: str, outcome: str) -> WrapUp:
        return dataclasses.replace(self, summary_text=summary_text, outcome=outcome)


def _events_from_journal(path: Path) -> list[ConsultationEvent]:
    events: list[ConsultationEvent] = []
    if not path.exists():
        return events
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if entry.get("op") == "event":
            data = entry.get("data", {})
            events.append(ConsultationEvent(data.get("kind", ""), data.get("payload", {}),
                                            datetime.fromisoformat(entry.get("at"))))
    return events


def _source_parts(source: Any) -> tuple[int | None, datetime | None, list[TranscriptLine], list[ConsultationEvent],
                                        str, str, str]:
    """(id, started, lines, events, notes, stored outcome, saved summary or draft)."""
    if isinstance(source, Consultation):
        return (source.id, source.started_at, list(source.lines), list(source.events), source.notes, source.outcome,
                source.summary)
    # a live ConsultationRecorder: lines in memory, events in its journal, summary = autosaved draft
    events = _events_from_journal(Path(source.journal_path))
    return (source.consultation_id, source.started_at, list(source.lines), events, source.notes, "",
            source.summary)


def _offer_text(payload: dict) -> str:
    plan = payload.get("plan_name") or payload.get("plan") or payload.get("name") or payload.get("plan_id") or ""
    fee = payload.get("effective_fee") or payload.get("fee")
    text = str(plan)
    if isinstance(fee, int):
        text += f" (월 {won(fee)})"
    elif fee:
        text += f" ({fee})"
    return text.strip() or json.dumps(payload, ensure_ascii=False)


def describe_event(event: ConsultationEvent) -> str:
    """One Korean line for something recorded during a call (history pane, exports)."""
    payload = event.payload
    if event.kind in ("offer", "recommendation_offer", "plan_offer"):
        return f"요금제 제안: {_offer_text(payload)}"
    if event.kind == "escalation":
        return f"이관 감지: {payload.get('label', '')} → {payload.get('suggested_transfer', '')}"
    if event.kind == "escalation_transfer":
        return f"이관 기록: {payload.get('suggested_transfer', '')}"
    if event.kind == "identity_verified":
        return "본인 확인 완료"
    return f"{event.kind}: {json.dumps(payload, ensure_ascii=False)}"


def build_summary(source: Any, catalog: PlanCatalog | None = None, *, outcome: str | None = None,
                  regenerate: bool = False) -> WrapUp:
    """A structured, extractive summary of a consultation or a live recorder.

    The text the agent saved (or the draft autosaved during wrap-up) is kept as the summary
    unless `regenerate`: an agent's edits are never silently replaced.
    """
    from ktcs_desktop.core.assistant.intents import detect_intent
    from ktcs_desktop.core.assistant.knowledge import find_plans
    from ktcs_desktop.core.assistant.models import Intent

    catalog = given(catalog, "summary")
    cid, started, lines, events, notes, stored_outcome, saved = _source_parts(source)
    intents: list[str] = []
    plans: list[str] = []
    follow_ups: list[str] = []
    for line in lines:
        if line.speaker is Speaker.CALLER:
            intent = detect_intent(line.text, catalog=catalog)
            if intent not in (Intent.GREETING, Intent.OTHER) and intent.label not in intents:
                intents.append(intent.label)
        for plan in find_plans(line.text, catalog):
            if plan.name not in plans:
                plans.append(plan.name)
        if any(word in line.text for word in _FOLLOW_UP_WORDS):
            follow_ups.append(f"{line.speaker.label}: {line.text}")
    offers = [_offer_text(e.payload) for e in events if e.kind in ("offer", "recommendation_offer", "plan_offer")]
    for offer in offers:
        for plan in find_plans(offer, catalog)[:1]:
            if plan.name not in plans:
                plans.append(plan.name)
    # Only transfers the agent recorded ("이관 기록") count; a detected alert alone is not a transfer.
    escalations = [f"{e.payload.get('label', e.kind)} → {e.payload.get('suggested_transfer', '')}".strip()
                   for e in events if e.kind == "escalation_transfer"]
    alerts = [f"{e.payload.get('label', e.kind)} → {e.payload.get('suggested_transfer', '')}".strip()
              for e in events if e.kind == "escalation"]
    final_outcome = outcome or stored_outcome or ("이관" if escalations else ("요금제 변경" if offers else "안내 완료"))
    if escalations:
        follow_ups.extend(f"이관: {e}" for e in escalations)
    if final_outcome == "재상담 예정" and not follow_ups:
        follow_ups.append("재상담 일정 확인")
    wrap = WrapUp(cid, started, tuple(intents), tuple(plans), tuple(dict.fromkeys(offers)), final_outcome,
                  tuple(dict.fromkeys(follow_ups)), tuple(dict.fromkeys(escalations)), notes,
                  line_count=len(lines), extra={"escalation_alerts": list(dict.fromkeys(alerts))} if alerts else {})
    if saved.strip() and not regenerate:
        return dataclasses.replace(wrap, summary_text=saved, generated_by="saved")
    return dataclasses.replace(wrap, summary_text=render_text(wrap))


def render_text(w: WrapUp) -> str:
    """The editable plain-text summary; its first line is what the history list shows."""
    headline = ", ".join(w.intents) or "일반 문의"
    if w.plans_discussed:
        headline += f" · {', '.join(w.plans_discussed[:3])}"
    body = [
        headline,
        f"고객 문의 의도: {', '.join(w.intents) or '일반 문의'}",
        f"논의한 요금제: {', '.join(w.plans_discussed) or '없음'}",
        f"제안 내용: {', '.join(w.offers) or '없음'}",
        f"결과: {w.outcome}",
        f"후속 조치: {'; '.join(w.follow_ups) or '없음'}",
    ]
    if w.notes.strip():
        body.append(f"메모: {w.notes.strip()}")
    return "\n".join(body)


def with_parties(w: WrapUp, *, customer: Any = None, agent_id: str = "", ended_at: datetime | None = None) -> WrapUp:
    """Add who and when to a wrap-up (the customer masked)."""
    from ktcs_desktop.core.phone import mask_name, mask_phone

    return dataclasses.replace(
        w, customer_masked=mask_name(customer.name) if customer is not None else w.customer_masked,
        phone_masked=mask_phone(customer.phone) if customer is not None else w.phone_masked,
        agent_id=agent_id or w.agent_id, ended_at=ended_at or w.ended_at)


def to_markdown(w: WrapUp) -> str:
    title = f"# 상담 요약 #{w.consultation_id}" if w.consultation_id is not None else "# 상담 요약"
    when = "".join(f"- {line}\n" for line in w.header_lines())
    bullets = lambda items: "\n".join(f"- {item}" for item in items) or "- 없음"  # noqa: E731
    return (f"{title}\n\n{when}- 결과: **{w.outcome}**\n- 대화 {w.line_count}줄\n\n"
            f"## 고객 문의 의도\n{bullets(w.intents)}\n\n"
            f"## 논의한 요금제\n{bullets(w.plans_discussed)}\n\n"
            f"## 제안 내용\n{bullets(w.offers)}\n\n"
            f"## 후속 조치\n{bullets(w.follow_ups)}\n\n"
            f"## 요약\n\n{w.summary_text}\n")


def to_dict(w: WrapUp) -> dict[str, Any]:
    data = dataclasses.asdict(w)
    data["started_at"] = w.started_at.isoformat() if w.started_at else None
    data["ended_at"] = w.ended_at.isoformat() if w.ended_at else None
    data["duration_s"] = w.duration_s
    return data


def to_json(w: WrapUp) -> str:
    return json.dumps(to_dict(w), ensure_ascii=False, indent=2)


def export_wrapup(w: WrapUp, fmt: str, path: Path, *, pdf_writer: Any = None) -> Path:
    """The one MD/JSON/PDF export dispatch (window and CLI). PDF needs the UI's writer."""
    if fmt == "md":
        path.write_text(to_markdown(w), encoding="utf-8")
    elif fmt == "json":
        path.write_text(to_json(w), encoding="utf-8")
    elif fmt == "pdf":
        if pdf_writer is None:
            raise ValueError("PDF export needs a pdf_writer")
        pdf_writer(w, path)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return path
