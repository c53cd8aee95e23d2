"""One server per capability (chat, embeddings, transcription), and `ktcs status` probing what it reports."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from ktcs_desktop.cli import main
from ktcs_desktop.core.config import Settings
from ktcs_desktop.core.retrieval.embedding import forget_probes
from ktcs_desktop.core.services.capabilities import capability_report
from ktcs_desktop.core.speech.transcribe import LocalWhisperTranscriber, make_transcriber
from tests.helpers.openai_stub import OpenAIStub, error_response, json_response, transcription_response


@pytest.fixture(autouse=True)
def _fresh_probes() -> Iterator[None]:
    forget_probes()
    yield
    forget_probes()


def make(settings: Settings, **values) -> Settings:
    return Settings(_env_file=None, ktcs_home=settings.ktcs_home, **values)  # type: ignore[call-arg]


def test_endpoints_default_to_the_shared_server(settings) -> None:
    s = make(settings, openai_base_url="http://127.0.0.1:1/v1", openai_api_key="sk-shared")
    assert s.chat_endpoint.base_url == s.embedding_endpoint.base_url == s.transcription_endpoint.base_url
    assert s.chat_endpoint.api_key == "sk-shared" and s.chat_endpoint.model == s.ktcs_openai_model


def test_each_capability_has_its_own_server_key_or_none(settings, tmp_path) -> None:
    s = make(settings, openai_base_url="http://127.0.0.1:1/v1", openai_api_key="sk-shared",
             ktcs_embedding_base_url="off", ktcs_transcribe_base_url="http://127.0.0.1:2/v1",
             ktcs_transcribe_api_key="sk-speech", ktcs_chat_base_url="http://127.0.0.1:3/v1")
    assert s.embedding_endpoint is None
    assert (s.transcription_endpoint.base_url, s.transcription_endpoint.api_key) == ("http://127.0.0.1:2/v1", "sk-speech")
    assert (s.chat_endpoint.base_url, s.chat_endpoint.api_key) == ("http://127.0.0.1:3/v1", "sk-shared")


def test_local_whisper_folder_wins_over_a_shared_chat_server(settings, tmp_path) -> None:
    s = make(settings, openai_base_url="http://127.0.0.1:1/v1", ktcs_whisper_model_dir=tmp_path)
    assert s.transcription_endpoint is None and s.chat_endpoint is not None
    assert isinstance(make_transcriber(s), LocalWhisperTranscriber | type(None))


def test_status_probes_a_chat_only_server(settings) -> None:
    with OpenAIStub() as stub:
        stub.on("GET", "/v1/models", json_response({"object": "list", "data": [{"id": "gpt-4o", "object": "model"}]}))
        stub.on("POST", "/v1/embeddings", error_response(404, "Not Found"))
        stub.on("POST", "/v1/audio/transcriptions", error_response(404, "Not Found"))
        report = {c.name: c for c in capability_report(make(settings, openai_base_url=stub.base_url), probe=True)}
        assert report["AI 답변·요약"].online
        assert not report["검색 임베딩"].online and "404" in report["검색 임베딩"].detail
        assert not report["음성 인식"].online and "404" in report["음성 인식"].mode
        probe = stub.requests_to("/v1/audio/transcriptions")[0]
        assert "file" in probe.files and probe.files["file"].data[:4] == b"RIFF"


def test_status_probes_a_speech_only_server_and_an_absent_chat_server(settings) -> None:
    with OpenAIStub() as stub:
        stub.on("POST", "/v1/audio/transcriptions", transcription_response(""))
        s = make(settings, ktcs_chat_base_url="http://127.0.0.1:9/v1", ktcs_embedding_base_url="off",
                 ktcs_transcribe_base_url=stub.base_url, ktcs_probe_timeout=1.0)
        report = {c.name: c for c in capability_report(s, probe=True)}
        assert not report["AI 답변·요약"].online and "응답 없음" in report["AI 답변·요약"].mode
        assert report["음성 인식"].online and stub.base_url in report["음성 인식"].mode
        assert not report["검색 임베딩"].online


def test_status_without_probe_touches_no_network(settings) -> None:
    with OpenAIStub() as stub:
        capability_report(make(settings, openai_base_url=stub.base_url))
        assert stub.requests == []


def test_ktcs_status_json_probes(monkeypatch, capsys) -> None:
    with OpenAIStub() as stub:
        stub.on("GET", "/v1/models", error_response(500, "boom"))
        stub.on("POST", "/v1/embeddings", error_response(404, "Not Found"))
        stub.on("POST", "/v1/audio/transcriptions", error_response(404, "Not Found"))
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        assert main(["status", "--json"]) == 0
        rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
        assert not rows["AI 답변·요약"]["online"] and not rows["검색 임베딩"]["online"]
        assert not rows["음성 인식"]["online"]
