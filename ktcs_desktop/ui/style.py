"""The application stylesheet: calm neutrals, KT red for the one thing that matters on screen."""

KT_RED = "#E4002B"
INK = "#1F2329"
MUTED = "#6B7280"
LINE = "#E3E6EA"
PANEL = "#FFFFFF"
CANVAS = "#F4F5F7"
WARN_BG = "#FFF4E5"
ERROR_BG = "#FDECEC"

STYLESHEET = f"""
QMainWindow, QDialog {{ background: {CANVAS}; }}
QWidget {{ color: {INK}; }}
QFrame#Pane {{ background: {PANEL}; border: 1px solid {LINE}; border-radius: 6px; }}
QLabel#PaneTitle {{ font-size: 11pt; font-weight: bold; padding: 2px 0 4px 0; }}
QLabel#Muted {{ color: {MUTED}; }}
QLabel#Placeholder {{ color: {MUTED}; padding: 16px; }}
QLabel#ErrorText {{ color: #B42318; }}
QFrame#CallerCard {{ background: #FAFBFC; border: 1px solid {LINE}; border-radius: 6px; }}
QLabel#CallerName {{ font-size: 14pt; font-weight: bold; }}
QLabel#Badge {{ background: #EEF2FF; color: #3730A3; border-radius: 8px; padding: 1px 8px; }}
QLabel#BadgeWarn {{ background: {WARN_BG}; color: #9A3412; border-radius: 8px; padding: 1px 8px; }}
QFrame#Banner {{ background: {ERROR_BG}; border: 1px solid #F5B5B5; border-radius: 6px; }}
QFrame#Banner[level="warning"] {{ background: {WARN_BG}; border: 1px solid #F6C88F; }}
QFrame#Banner[level="info"] {{ background: #EAF2FF; border: 1px solid #B6CEF5; }}
QPushButton {{ padding: 5px 12px; border: 1px solid #C9CED6; border-radius: 5px; background: #FFFFFF; }}
QPushButton:hover {{ background: #F3F4F6; }}
QPushButton:disabled {{ color: #A0A6AF; }}
QPushButton#Primary {{ background: {KT_RED}; color: white; border: 1px solid {KT_RED}; font-weight: bold; }}
QPushButton#Primary:hover {{ background: #C30025; }}
QPushButton#Primary:disabled {{ background: #F0A3B2; border-color: #F0A3B2; }}
QLineEdit, QPlainTextEdit, QTextEdit, QListWidget, QTableWidget, QTextBrowser {{
    border: 1px solid #C9CED6; border-radius: 5px; background: white; padding: 3px;
}}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border: 1px solid {KT_RED}; }}
QStatusBar QLabel {{ padding: 0 8px; }}
"""
