; Inno Setup script: wraps the PyInstaller one-folder build (dist\ktcs-desktop) in a per-user installer.
; Built by .github/workflows/windows.yml:  iscc /DAppVersion=0.1.0 packaging\ktcs-desktop.iss
; Per-user install (no admin rights on agents' PCs); data and logs stay in %LOCALAPPDATA%\KTCS.
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6F1C2A4E-9B1D-4E55-8C1A-7A3C0B5D2E91}
AppName=KT CS AI 상담원
AppVersion={#AppVersion}
AppPublisher=KT CS
DefaultDirName={localappdata}\Programs\KTCS\ktcs-desktop
DefaultGroupName=KT CS AI 상담원
PrivilegesRequired=lowest
OutputDir=..\dist\installer
OutputBaseFilename=ktcs-desktop-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
UninstallDisplayIcon={app}\ktcs-desktop.exe

[Languages]
Name: "korean"; MessagesFile: "compiler:Languages\Korean.isl"

[Files]
Source: "..\dist\ktcs-desktop\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\KT CS AI 상담원"; Filename: "{app}\ktcs-desktop.exe"
Name: "{autodesktop}\KT CS AI 상담원"; Filename: "{app}\ktcs-desktop.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "바탕 화면에 바로 가기 만들기"; Flags: unchecked

[Run]
Filename: "{app}\ktcs-desktop.exe"; Description: "KT CS AI 상담원 실행"; Flags: nowait postinstall skipifsilent
