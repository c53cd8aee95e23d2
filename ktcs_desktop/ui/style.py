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
/* Recommendation cards (in the app sheet: a sheet per card re-polished every card on each render) */
QFrame#RecCard {{ background: #FAFBFC; border: 1px solid {LINE}; border-radius: 6px; }}
QFrame#RecCard[tag="best"] {{ border: 2px solid {KT_RED}; }}
QFrame#RecCard[chosen="true"] {{ background: #FFF7F8; border: 2px solid #1D4ED8; }}
QLabel#RecName {{ font-size: 11pt; font-weight: bold; }}
QLabel#RecSaving {{ color: #047857; font-weight: bold; }}
QLabel#RecCost {{ color: #B42318; font-weight: bold; }}
QLabel#BudgetWarn {{ background: {WARN_BG}; color: #9A3412; padding: 4px; border-radius: 4px; font-weight: bold; }}
QLabel#BudgetOk {{ color: #047857; }}
/* Flat scroll bars: the same on every platform style, and solid fills paint in a fraction of the
   time of Fusion's gradient grooves (a lookup repaints several tall scroll bars). */
QScrollBar:vertical {{ background: {CANVAS}; width: 10px; margin: 0; border: none; }}
QScrollBar:horizontal {{ background: {CANVAS}; height: 10px; margin: 0; border: none; }}
QScrollBar::handle:vertical {{ background: #C4C9D1; border-radius: 4px; min-height: 24px; margin: 1px; }}
QScrollBar::handle:horizontal {{ background: #C4C9D1; border-radius: 4px; min-width: 24px; margin: 1px; }}
QScrollBar::handle:hover {{ background: #9CA3AF; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; border: none; background: none; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
"""
