"""What this installation can do right now, and what it falls back to. Shown in 도움말 → 기능 상태
and by `ktcs status`, so nobody has to guess whether an answer came from a model or from the
offline knowledge base.

Without `probe` nothing touches the network (configured servers are reported as configured, an
embeddings probe already made this session is reused). With `probe=True` (`ktcs status`) each
server is asked, with a short timeout (`KTCS_PROBE_TIMEOUT`), whether it does what is reported:
chat → GET /models, embeddings → one embedding, transcription → a short silent WAV.
"""

from __future__ import annotations

import io
import logging
import wave
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ktcs_desktop.core.catalog import load_shipped_catalog
from ktcs_desktop.core.config import Endpoint, Settings
from ktcs_desktop.core.errors import KtcsError
from ktcs_desktop.core.speech.transcribe import transcription_status
from ktcs_desktop.core.speech.vad_silero import select_vad
from ktcs_desktop.core.storage.database import display_location

if TYPE_CHECKING:
    from ktcs_desktop.core.services.catalog import CatalogProvider


@dataclass(frozen=True)
class Capability:
    name: str  # Korean label
    mode: str  # what is in use
    online: bool  # True when it uses a configured server or service
    detail: str = ""


log = logging.getLogger(__name__)


def capability_report(settings: Settings, *, probe: bool = False,
                      catalog_provider: CatalogProvider | None = None) -> list[Capability]:
    backend, location = display_location(settings.database_url)
    report = [
        Capability("데이터베이스", f"{backend} ({location})", not settings.uses_embedded_database,
                   "" if not settings.uses_embedded_database else "내장 SQLite 파일 (KTCS_DATABASE_URL로 MySQL 전환)"),
        _chat(settings, probe),
        _embeddings(settings, probe),
        Capability("벡터 저장소", f"Chroma 서버 {settings.ktcs_chroma_url}" if settings.ktcs_chroma_url
                   else "내장 Chroma", settings.ktcs_chroma_url is not None),
        _speech(settings, probe),
    ]
    vad = select_vad(settings.ktcs_vad)
    report.append(Capability("음성 구간 검출", vad.message, False,
                             f"Silero 불러오기 실패: {vad.fallback_reason}" if vad.fallback_reason else ""))
    report.append(Capability("요금제 새로고침",
                             "Firecrawl" if settings.firecrawl_enabled else "KT 페이지 직접 수집 (HTTP)",
                             settings.firecrawl_enabled, "네트워크가 없으면 내장 페이지 스냅샷으로 색인"))
    try:
        if catalog_provider is not None:  # the floor's approved version in use
            catalog = catalog_provider.last()  # what the last lookup checked (no DB call here)
            current = catalog_provider.current_version
            which = f"승인 버전 v{current.version}" if current is not None and current.version else "앱 포함본"
            detail = catalog_provider.notice or "가격·데이터·가입 조건의 유일한 출처 (DB의 최신 승인 버전)"
        else:  # no database at hand (`ktcs status`): the shipped files the first version is seeded from
            catalog = load_shipped_catalog()
            which, detail = "앱 포함 파일", "DB의 승인 버전이 우선합니다 (ktcs catalog history)"
        as_of = sorted({plan.as_of for plan in catalog.all()})
        report.append(Capability("요금제 카탈로그", f"{len(catalog.all())}개 요금제 (기준 {', '.join(as_of)}) · {which}",
                                 False, detail))
    except KtcsError as exc:
        report.append(Capability("요금제 카탈로그", "사용 불가", False, exc.user_message))
    return report


def _chat(settings: Settings, probe: bool) -> Capability:
    chat = settings.chat_endpoint
    if chat is None:
        return Capability("AI 답변·요약", "오프라인 지식 기반", False,
                          "요금 정보는 카탈로그에서, 답변은 템플릿으로 생성 (OPENAI_API_KEY로 전환)")
    mode = f"OpenAI 호환 {chat.model} ({chat.where})"
    if not probe:
        return Capability("AI 답변·요약", mode, True, "모델 응답이 늦거나 실패하면 오프라인 답변으로 전환")
    ok, why = probe_chat(chat, settings.ktcs_probe_timeout)
    if not ok:
        return Capability("AI 답변·요약", f"오프라인 지식 기반 — {chat.where} 응답 없음", False,
                          f"{why}. 서버가 돌아오면 다음 질문부터 다시 사용")
    return Capability("AI 답변·요약", mode, True, f"{why}. 모델 응답이 늦거나 실패하면 오프라인 답변으로 전환")


def _embeddings(settings: Settings, probe: bool) -> Capability:
    from ktcs_desktop.core.retrieval.embedding import cached_probe, probe_embeddings

    offline = "형태소 해싱 임베딩 (오프라인)"
    endpoint = settings.embedding_endpoint
    if endpoint is None:
        return Capability("검색 임베딩", offline, False, "키워드(BM25)와 함께 하이브리드 검색")
    result = probe_embeddings(endpoint, settings.ktcs_probe_timeout, fresh=True) if probe else cached_probe(endpoint)
    if result is None:
        return Capability("검색 임베딩", f"{endpoint.model} ({endpoint.where}, 첫 사용 때 확인)", False,
                          "응답이 없으면 오프라인 해싱 임베딩으로 색인; 키워드(BM25) 검색은 항상 동작")
    if not result.ok:
        return Capability("검색 임베딩", offline, False,
                          f"{endpoint.where}: {result.reason} — 키워드(BM25)와 해싱 임베딩으로 검색")
    return Capability("검색 임베딩", f"{endpoint.model} ({endpoint.where}, {result.dim}차원)", True,
                      "키워드(BM25)와 함께 하이브리드 검색")


def _speech(settings: Settings, probe: bool) -> Capability:
    speech_ok, speech_message = transcription_status(settings)
    endpoint = settings.transcription_endpoint
    later = "녹음은 보관되며 나중에 '미변환 음성 변환'으로 처리 가능"
    if endpoint is not None and probe:
        ok, why = probe_transcription(endpoint, settings.ktcs_probe_timeout)
        if not ok:
            return Capability("음성 인식", f"음성 인식 사용 불가: {endpoint.where} — {why}", False, later)
    return Capability("음성 인식", speech_message, speech_ok and endpoint is not None, "" if speech_ok else later)


def probe_chat(endpoint: Endpoint, timeout: float) -> tuple[bool, str]:
    """GET /models on the chat server: (answers, Korean detail)."""
    from ktcs_desktop.core.assistant.llm_client import probe_client

    base = (endpoint.base_url or "https://api.openai.com/v1").rstrip("/")
    try:
        with probe_client(base, timeout) as client:
            response = client.get(f"{base}/models", headers={"Authorization": f"Bearer {endpoint.key}"})
    except Exception as exc:  # noqa: BLE001 - any transport failure means "not reachable"
        log.info("chat probe %s failed: %r", base, exc)
        return False, _transport_reason(exc)
    if response.status_code in (401, 403):
        return False, f"인증 실패 ({response.status_code})"
    if response.status_code >= 400:
        return False, f"서버 오류 ({response.status_code})"
    try:
        ids = {m.get("id") for m in response.json().get("data", [])}
    except (ValueError, AttributeError):
        ids = set()
    if ids and endpoint.model not in ids:
        return True, f"서버 응답 확인 (모델 목록에 {endpoint.model} 없음: {', '.join(sorted(map(str, ids))[:3])})"
    return True, "서버 응답 확인"


def _transport_reason(exc: BaseException) -> str:
    return "응답 시간 초과" if "Timeout" in type(exc).__name__ else "연결 실패"


def _silent_wav(seconds: float = 0.5, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def probe_transcription(endpoint: Endpoint, timeout: float) -> tuple[bool, str]:
    """POST a short silent WAV to /audio/transcriptions: (transcribes, Korean detail)."""
    from ktcs_desktop.core.assistant.llm_client import probe_client

    base = (endpoint.base_url or "https://api.openai.com/v1").rstrip("/")
    try:
        # a CPU Whisper needs a moment even for a short silence; temperature 0: no fallback re-decodes
        with probe_client(base, max(timeout, 10.0)) as client:
            response = client.post(f"{base}/audio/transcriptions",
                                   headers={"Authorization": f"Bearer {endpoint.key}"},
                                   data={"model": endpoint.model, "language": "ko", "temperature": "0"},
                                   files={"file": ("probe.wav", _silent_wav(0.3), "audio/wav")})
    except Exception as exc:  # noqa: BLE001
        log.info("transcription probe %s failed: %r", base, exc)
        return False, _transport_reason(exc)
    if response.status_code == 404:
        return False, "음성 인식 미지원 (404)"
    if response.status_code >= 400:
        return False, f"서버 오류 ({response.status_code})"
    return True, "서버 응답 확인"
