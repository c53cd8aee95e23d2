"""Keyboard shortcuts: one table, used to register them and to list them in 도움말 → 단축키."""

from __future__ import annotations

# The one table of keyboard shortcuts: the window registers every row (window-wide, so a key works
# whichever field has focus) and 도움말 → 단축키 lists the same rows. Features give the handler of
# their row with `window.set_shortcut_handler(id, fn)`.
SHORTCUT_TABLE: tuple[tuple[str, str, str], ...] = (
    ("lookup", "Ctrl+L", "고객 조회 (전화번호 입력)"),
    ("new", "Ctrl+N", "새 상담"),
    ("end", "Ctrl+E", "상담 종료 (요약 작성)"),
    ("input", "Ctrl+I", "대화 입력란으로 이동"),
    ("notes", "Ctrl+M", "상담 메모로 이동 (Tab: 다음 칸, Ctrl+Tab: 탭 문자)"),
    ("speaker_caller", "Alt+1", "대화 입력 화자: 고객"),
    ("speaker_agent", "Alt+2", "대화 입력 화자: 상담원"),
    ("ask", "Ctrl+K", "AI에게 질문"),
    ("rec_1", "Ctrl+1", "추천 요금제 1번 선택"),
    ("rec_2", "Ctrl+2", "추천 요금제 2번 선택"),
    ("rec_3", "Ctrl+3", "추천 요금제 3번 선택"),
    ("rec_4", "Ctrl+4", "추천 요금제 4번 선택"),
    ("rec_add", "Ctrl+Shift+A", "선택한 추천 요금제를 상담 기록에 추가"),
    ("history", "Ctrl+H", "상담 이력 목록으로 이동 (↑↓로 선택)"),
    ("banner_action", "Ctrl+B", "알림 배너 동작 (예: 이관 기록)"),
    ("banner_close", "Ctrl+Shift+B", "알림 배너 닫기"),
    ("record", "F9", "통화 녹음 시작 / 종료"),
    ("quit", "Ctrl+Q", "프로그램 종료"),
)
# In the wrap-up window (listed in 도움말 → 단축키, bound by WrapUpDialog; Esc = 취소, the call goes on).
DIALOG_SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    ("save", "Ctrl+S", "후처리: 저장"),
    ("export_md", "Alt+1", "후처리: Markdown 내보내기"),
    ("export_json", "Alt+2", "후처리: JSON 내보내기"),
    ("export_pdf", "Alt+3", "후처리: PDF 내보내기"),
)
SHORTCUTS: tuple[tuple[str, str], ...] = tuple((key, what) for _id, key, what in SHORTCUT_TABLE)
