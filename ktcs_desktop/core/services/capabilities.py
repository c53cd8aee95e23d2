"""What this installation can do right now, and what it falls back to — without touching the
network. Shown in 도움말 → 기능 상태 and by `ktcs status`, so nobody has to guess whether an
answer came from a model or from the offline knowledge base."""

from __future__ import annotations

from dataclasses import dataclass

from ktcs_desktop.core.catalog import default_catalog
from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.speech.transcribe import transcription_status
from ktcs_desktop.core.storage.database import display_location


@dataclass(frozen=True)
class Capability:
    name: str  # Korean label
    mode: str  # what is in use
    online: bool  # True when it uses a configured server or service
    detail: str = ""


def capability_report(settings: Settings) -> list[Capability]:
    backend, location = display_location(settings.database_url)
    openai_where = settings.openai_base_url or "api.openai.com"
    report = [
        Capability("데이터베이스", f"{backend} ({location})", not settings.uses_embedded_database,
                   "" if not settings.uses_embedded_database else "내장 SQLite 파일 (KTCS_DATABASE_URL로 MySQL 전환)"),
        Capability("AI 답변·요약",
                   f"OpenAI 호환 {settings.ktcs_openai_model} ({openai_where})" if settings.openai_enabled
                   else "오프라인 지식 기반", settings.openai_enabled,
                   "모델 응답이 늦거나 실패하면 오프라인 답변으로 전환" if settings.openai_enabled
                   else "요금 정보는 카탈로그에서, 답변은 템플릿으로 생성 (OPENAI_API_KEY로 전환)"),
        Capability("검색 임베딩",
                   f"OpenAI {settings.ktcs_embedding_model}" if settings.openai_api_key is not None
                   else "Kiwi 형태소 해싱 임베딩 (오프라인)", settings.openai_api_key is not None,
                   "키워드(BM25)와 함께 하이브리드 검색"),
        Capability("벡터 저장소", f"Chroma 서버 {settings.ktcs_chroma_url}" if settings.ktcs_chroma_url
                   else "내장 Chroma", settings.ktcs_chroma_url is not None),
    ]
    speech_ok, speech_message = transcription_status(settings)
    report.append(Capability("음성 인식", speech_message, speech_ok and settings.openai_enabled,
                             "" if speech_ok else "녹음은 보관되며 나중에 '미변환 음성 변환'으로 처리 가능"))
    report.append(Capability("요금제 새로고침",
                             "Firecrawl" if settings.firecrawl_enabled else "KT 페이지 직접 수집 (HTTP)",
                             settings.firecrawl_enabled, "네트워크가 없으면 내장 페이지 스냅샷으로 색인"))
    try:
        catalog = default_catalog()
        as_of = sorted({plan.as_of for plan in catalog.all()})
        report.append(Capability("요금제 카탈로그", f"{len(catalog.all())}개 요금제 (기준 {', '.join(as_of)})", False,
                                 "가격·데이터·가입 조건의 유일한 출처"))
    except KtcsError as exc:
        report.append(Capability("요금제 카탈로그", "사용 불가", False, exc.user_message))
    return report
