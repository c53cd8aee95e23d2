"""Builds tests/data/pii_corpus.jsonl: Korean call utterances with the PII spans they contain.

    .venv/bin/python tests/data/build_pii_corpus.py      # rewrites pii_corpus.jsonl (deterministic)

Two sources, both written by hand without looking at the recognizers:
- LINES: whole utterances with inline markup `{{category:text}}` (typed and STT-style, agent and
  caller), and PII-free utterances full of prices, plan names, ages, plan-change dates;
- TEMPLATES x FORMS: sentence frames filled with values written in many forms (hyphens, spaces,
  dots, spoken Sino-Korean digits, 년월일, "에" between digit groups …).

Each record: {"id", "text", "kind": "pii"|"clean", "style": "typed"|"stt", "speaker", "caller",
"others", "spans": [{"start", "end", "category", "text"}]}. `caller` is the caller's name on
screen; `others` names of other customers mentioned (both handed to the redactor).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

OUT = Path(__file__).with_name("pii_corpus.jsonl")
CATEGORIES = ("rrn", "arn", "dob", "card", "card_expiry", "account", "email", "address", "name", "phone",
              "passport", "driver_license")

# (speaker, style, caller, others, text) — `{{cat:text}}` marks a span
LINES: list[tuple[str, str, str, tuple[str, ...], str]] = [
    # -- caller names, with and without spaces, given name alone, honorifics -------------------------
    ("agent", "typed", "김철수", (), "안녕하세요 {{name:김철수}} 고객님 맞으신가요?"),
    ("agent", "stt", "김철수", (), "네 {{name:김 철수}} 고객님 본인 확인 도와드리겠습니다"),
    ("caller", "stt", "김철수", (), "네 제가 {{name:김철수}}입니다"),
    ("caller", "stt", "김철수", (), "제 이름은 {{name:김 철수}}고요 요금제 좀 바꾸려고요"),
    ("agent", "stt", "김철수", (), "{{name:철수}} 님 맞으시죠 요고 34 쓰고 계시네요"),
    ("agent", "typed", "김철수", (), "{{name:김철수}}님 현재 5G 슬림 14GB 사용 중"),
    ("caller", "stt", "이영희", (), "저 {{name:이영희}}인데요 어제 전화했었는데"),
    ("agent", "stt", "이영희", (), "{{name:영희}} 고객님 요금은 월 55,000원입니다"),
    ("agent", "typed", "이영희", (), "{{name:이 영희}} 고객 만 68세, 복지 할인 대상 확인"),
    ("caller", "stt", "박지민", (), "{{name:박지민}}이요 박 자 지 자 민 자요"),
    ("agent", "stt", "박지민", (), "{{name:지민}} 씨 데이터를 많이 쓰셔서 무제한이 낫겠어요"),
    ("agent", "stt", "최민수", (), "{{name:최민수}} 고객님 복지 할인 적용되어 있습니다"),
    ("caller", "stt", "최민수", (), "아 {{name:민수}}가 제 이름이에요 {{name:최민수}}"),
    ("agent", "typed", "정미영", (), "{{name:정미영}} 고객 넷플릭스 초이스 문의"),
    ("caller", "stt", "정미영", (), "{{name:정 미영}}이라고 하는데요 넷플릭스 되는 요금제 있어요"),
    ("agent", "stt", "응우옌 반 안", (), "{{name:응우옌 반 안}} 고객님 외국인 등록 확인되었습니다"),
    ("agent", "typed", "응우옌 반 안", (), "{{name:응우옌반안}} 고객 요고 30 문의"),
    ("agent", "stt", "정하늘", (), "{{name:정하늘}} 고객님은 만 15세라서 법정대리인 동의가 필요해요"),
    ("caller", "stt", "정하늘", (), "{{name:하늘}}이 엄마인데요 애 요금제 때문에요"),
    ("agent", "stt", "김철수", (), "{{name:김철수}} 고객님 다음 달 1일부터 요고 30으로 바뀝니다"),
    # -- other customers (names handed as a list) and names read out for accounts ----------------------
    ("caller", "stt", "김철수", ("이영희",), "어머니 {{name:이영희}} 명의 폰도 같이 바꿔 주세요"),
    ("caller", "stt", "김철수", ("박지민",), "{{name:박지민}} 씨 번호로도 문자 보내 주실 수 있어요"),
    ("agent", "typed", "김철수", ("최민수", "정미영"), "가족결합 대상: {{name:최민수}}, {{name:정미영}}"),
    ("caller", "stt", "이영희", ("김철수",), "아들 {{name:김철수}}가 쓰는 회선이 하나 더 있어요"),
    ("caller", "stt", "정미영", ("정하늘",), "딸 {{name:하늘}}이 폰도 제 명의예요"),
    ("agent", "stt", "박지민", ("이영희",), "{{name:이 영희}} 님 회선은 본인 동의가 있어야 조회됩니다"),
    ("caller", "stt", "김철수", ("홍길동",), "예금주는 {{name:홍길동}}이고 아버지예요"),
    ("agent", "typed", "김철수", ("김민준",), "법정대리인 {{name:김민준}} 동의서 접수"),
    ("caller", "stt", "최민수", ("이서연",), "와이프 {{name:이서연}} 폰이랑 결합하고 싶어요"),
    ("caller", "stt", "박지민", ("박서준",), "동생 {{name:박 서준}} 명의로 된 거 해지하려고요"),
    # -- 주민등록번호 ------------------------------------------------------------------------------
    ("caller", "typed", "", (), "주민번호 {{rrn:850302-1234567}} 입니다"),
    ("caller", "stt", "", (), "주민등록번호는 {{rrn:850302 1234567}}이요"),
    ("caller", "stt", "", (), "주민번호 {{rrn:팔오공삼공이 일이삼사오육칠}}이요"),
    ("caller", "stt", "", (), "제 주민번호가 {{rrn:팔오공삼공이에 일이삼사오육칠}}입니다"),
    ("agent", "stt", "", (), "주민번호 앞자리 {{rrn:850302}} 뒷자리 {{rrn:1234567}} 맞으세요"),
    ("caller", "typed", "", (), "{{rrn:9001012345678}}"),
    ("agent", "typed", "", (), "본인확인 주민번호 {{rrn:000101-4123456}} 확인 완료"),
    ("caller", "stt", "", (), "주민등록번호 {{rrn:칠구일일이오 이공삼사오육칠}} 이에요"),
    ("agent", "typed", "", (), "가입자 주민번호 {{rrn:850302-1******}} 로 조회됨"),
    ("caller", "stt", "", (), "앞자리는 {{rrn:880515}}이고 뒷자리는 {{rrn:2345678}}이에요 주민번호요"),
    # -- 외국인등록번호 ---------------------------------------------------------------------------
    ("caller", "typed", "", (), "외국인등록번호 {{arn:900101-5234567}} 입니다"),
    ("caller", "stt", "", (), "외국인 등록번호는 {{arn:구공공일공일 오이삼사오육칠}}이요"),
    ("agent", "stt", "", (), "외국인등록번호 {{arn:950712 6123456}} 맞으십니까"),
    ("caller", "typed", "", (), "등록번호 {{arn:8811237654321}}"),
    ("agent", "typed", "", (), "외국인 고객 등록번호 {{arn:020304-7891234}} 확인"),
    # -- 생년월일 ---------------------------------------------------------------------------------
    ("agent", "stt", "", (), "생년월일 {{dob:팔오년 삼월 이일}}생 맞으세요"),
    ("caller", "stt", "", (), "{{dob:팔오년 삼월 이일}}생이에요"),
    ("caller", "stt", "", (), "생년월일은 {{dob:85년 3월 2일}}입니다"),
    ("caller", "typed", "", (), "생년월일 {{dob:1985.03.02}}"),
    ("agent", "typed", "", (), "생년월일 {{dob:1985-03-02}} 확인됨"),
    ("caller", "stt", "", (), "생일은 {{dob:천구백팔십오년 삼월 이일}}이에요"),
    ("caller", "stt", "", (), "{{dob:구공년 시월 십일일}}생입니다"),
    ("agent", "stt", "", (), "고객님 생년월일이 {{dob:2009년 6월 15일}} 맞으시죠"),
    ("caller", "stt", "", (), "저 {{dob:85년생}}이에요"),
    ("caller", "stt", "", (), "{{dob:팔십오년 삼월 이일}}에 태어났어요"),
    ("caller", "typed", "", (), "생년월일: {{dob:850302}}"),
    ("agent", "stt", "", (), "생년월일 여섯 자리 {{dob:팔오공삼공이}} 맞으세요"),
    ("caller", "stt", "", (), "생년월일은 {{dob:19850302}}이요"),
    ("caller", "stt", "", (), "{{dob:1990년 12월 25일}}생이고요 요금제 문의하려고요"),
    ("agent", "stt", "", (), "생년월일 {{dob:칠구년 유월 이십일}} 맞습니까"),
    ("caller", "stt", "", (), "{{dob:00년 1월 1일}}생이에요 만 스물여섯이고요"),
    ("caller", "stt", "", (), "제 생일 {{dob:85.3.2}}예요"),
    ("agent", "typed", "", (), "본인확인: 생년월일 {{dob:68.11.03}} 일치"),
    ("caller", "stt", "", (), "{{dob:1958년 3월 9일}}생 노인인데 경로 요금 있어요"),
    ("caller", "stt", "", (), "생년월일이요 {{dob:구팔 공칠 일오}}요"),
    # -- 카드번호 / 유효기간 ---------------------------------------------------------------------------
    ("caller", "typed", "", (), "카드번호 {{card:9410-1234-5678-9012}}로 결제해 주세요"),
    ("caller", "stt", "", (), "카드 번호는 {{card:5512 3456 7890 1234}}이요"),
    ("caller", "stt", "", (), "카드번호 {{card:사일공공 일이삼사 오육칠팔 구공일이}}요"),
    ("caller", "typed", "", (), "{{card:4518421234567890}} 이 카드로 자동이체요"),
    ("agent", "stt", "", (), "카드번호 {{card:9430 5678 1234 5678}} 유효기간 {{card_expiry:12/27}} 맞으세요"),
    ("caller", "stt", "", (), "유효기간은 {{card_expiry:27년 12월}}까지예요"),
    ("caller", "stt", "", (), "유효 기간 {{card_expiry:이칠년 십이월}}이요"),
    ("caller", "typed", "", (), "카드 유효기간 {{card_expiry:08/29}}"),
    ("agent", "typed", "", (), "신용카드 {{card:3782-822463-10005}} 만료 {{card_expiry:2028년 3월}}"),
    ("caller", "stt", "", (), "카드는 {{card:9410에 1234에 5678에 9012}}예요"),
    # -- 계좌번호 ---------------------------------------------------------------------------------
    ("caller", "stt", "", (), "신한은행 {{account:110-123-456789}}로 자동이체 해 주세요"),
    ("caller", "typed", "", (), "국민은행 계좌 {{account:123456-01-234567}}"),
    ("caller", "stt", "", (), "농협 {{account:352-1234-5678-93}} 이에요"),
    ("caller", "stt", "", (), "계좌번호는 {{account:일일공 일이삼 사오육칠팔구}}이고 신한이에요"),
    ("agent", "typed", "", (), "자동이체 계좌 우리 {{account:1002-123-456789}} 등록"),
    ("caller", "stt", "", (), "카카오뱅크 {{account:3333-01-1234567}}로 환불해 주세요"),
    ("caller", "stt", "", (), "계좌는 하나은행 {{account:123-456789-01234}}요"),
    ("caller", "typed", "", (), "환불 계좌 기업은행 {{account:01012345678901}}"),
    # -- 이메일 -----------------------------------------------------------------------------------
    ("caller", "typed", "", (), "청구서는 {{email:kimcs85@naver.com}}으로 보내 주세요"),
    ("caller", "stt", "", (), "이메일은 {{email:kimcs85 골뱅이 naver 점 com}}이요"),
    ("agent", "typed", "", (), "메일 주소 {{email:hong.gildong@gmail.com}} 확인"),
    ("caller", "stt", "", (), "{{email:jimin_park@daum.net}} 이걸로 해 주세요"),
    ("caller", "stt", "", (), "메일은 {{email:lee99 at hanmail dot net}}입니다"),
    ("caller", "stt", "", (), "이메일 {{email:choi.ms@kakao.com}}으로 명세서 받을게요"),
    # -- 주소 -------------------------------------------------------------------------------------
    ("caller", "stt", "", (), "주소는 {{address:서울시 강남구 테헤란로 123}}이에요"),
    ("caller", "stt", "", (), "{{address:경기도 성남시 분당구 정자동 178-1}}로 유심 보내 주세요"),
    ("agent", "stt", "", (), "배송지 {{address:서울특별시 서초구 반포대로 58, 101동 1203호}} 맞으시죠"),
    ("caller", "stt", "", (), "이사해서 {{address:부산광역시 해운대구 우동 1408}}로 바뀌었어요"),
    ("caller", "typed", "", (), "주소 변경: {{address:인천 남동구 구월동 1234-5}}"),
    ("caller", "stt", "", (), "{{address:경기 수원시 영통구 광교중앙로 145 광교아파트 302동 1501호}}요"),
    ("caller", "stt", "", (), "주소는 {{address:강남구 역삼동 737-3}}이요"),
    ("agent", "typed", "", (), "청구지 주소 {{address:대전 유성구 대학로 99}}"),
    ("caller", "stt", "", (), "{{address:제주특별자치도 제주시 연동 312-1}}에 살아요"),
    ("caller", "stt", "", (), "{{address:세종시 한누리대로 2130}}으로 보내 주세요"),
    ("caller", "stt", "", (), "주소가 {{address:경기도 고양시 일산동구 중앙로 1275번길 38}}이에요"),
    ("caller", "stt", "", (), "{{address:대구 수성구 범어동 123번지}}입니다"),
    # -- 전화번호: mobile, landline, spoken -------------------------------------------------------------
    ("caller", "stt", "", (), "제 번호는 {{phone:공일공 일이삼사 오육칠팔}}이에요"),
    ("caller", "stt", "", (), "{{phone:공일공에 팔칠육오에 사삼이일}}이요"),
    ("caller", "stt", "", (), "연락처는 {{phone:영일영 구구구구 팔팔팔팔}}입니다"),
    ("caller", "typed", "", (), "연락처 {{phone:010-1234-5678}}"),
    ("caller", "stt", "", (), "집 전화는 {{phone:02-123-4567}}이에요"),
    ("caller", "stt", "", (), "회사 번호 {{phone:031-789-1234}}로 연락 주세요"),
    ("caller", "stt", "", (), "집 번호 {{phone:공이 삼사오 육칠팔구}}요"),
    ("agent", "typed", "", (), "보호자 연락처 {{phone:+82 10-9999-8888}}"),
    ("caller", "stt", "", (), "{{phone:010 5555 6666}}으로 문자 주세요"),
    ("caller", "stt", "", (), "인터넷 전화 {{phone:070-1234-5678}}도 있어요"),
    ("caller", "stt", "", (), "번호가 {{phone:01077773333}}이에요"),
    ("caller", "stt", "", (), "어머니 번호는 {{phone:공일공 하나둘셋넷 다섯여섯일곱여덟}}이요"),
    ("caller", "stt", "", (), "사무실은 {{phone:053-765-4321}}이고요"),
    ("caller", "stt", "", (), "{{phone:010.2222.3333}} 이 번호로 바꿔 주세요"),
    ("caller", "stt", "", (), "전화번호 뒷자리 {{phone:1234-5678}}이요"),
    # -- 여권번호 / 운전면허번호 ----------------------------------------------------------------------
    ("caller", "typed", "", (), "여권번호 {{passport:M12345678}}입니다"),
    ("caller", "stt", "", (), "여권 번호는 {{passport:M123A4567}}이요"),
    ("agent", "typed", "", (), "외국인 고객 여권 {{passport:S98765432}} 확인"),
    ("caller", "stt", "", (), "여권번호 {{passport:m 8765 4321}}이에요"),
    ("caller", "typed", "", (), "운전면허번호 {{driver_license:11-23-456789-01}}"),
    ("caller", "stt", "", (), "면허번호는 {{driver_license:서울 12-345678-90}}이에요"),
    ("agent", "typed", "", (), "신분증 운전면허 {{driver_license:12-08-123456-55}} 확인"),
    ("caller", "stt", "", (), "운전면허 번호 {{driver_license:112345678901}}이요"),
    # -- several at once -------------------------------------------------------------------------
    ("caller", "stt", "김철수", (), "{{name:김철수}}고요 {{dob:85년 3월 2일}}생이고 번호는 {{phone:010-1234-5678}}이에요"),
    ("agent", "stt", "이영희", (),
     "{{name:이영희}} 고객님 생년월일 {{dob:오팔년 구월 삼일}} 연락처 {{phone:공일공 팔칠육오 사삼이일}} 맞으세요"),
    ("caller", "typed", "박지민", (), "{{name:박지민}} / {{email:jimin.park@gmail.com}} / {{address:서울 마포구 월드컵북로 396}}"),
    ("caller", "stt", "최민수", (), "계좌는 신한 {{account:110-987-654321}} 예금주 {{name:최민수}}요 요금은 3만3천원 맞죠"),
    ("agent", "stt", "정미영", (), "{{name:정미영}} 고객님 카드 {{card:9410 1111 2222 3333}} 유효기간 {{card_expiry:11/26}} 등록할게요"),
    ("caller", "stt", "김철수", (), "주민번호 {{rrn:850302-1234567}}이고 주소는 {{address:서울시 강남구 테헤란로 123}}이요"),
    ("agent", "stt", "응우옌 반 안", (),
     "{{name:응우옌 반 안}} 고객님 외국인등록번호 {{arn:900101-5234567}} 여권 {{passport:M12345678}} 확인됐습니다"),
    ("caller", "stt", "정하늘", (), "{{name:정하늘}} {{dob:2011년 4월 5일}}생이고 엄마 번호는 {{phone:010-2222-3333}}이에요"),
]

CLEAN_LINES: list[tuple[str, str, str]] = [
    # (speaker, style, text) — numbers that must survive
    ("agent", "typed", "5G 슬림 14GB는 월 55,000원, 선택약정 시 41,250원입니다."),
    ("agent", "stt", "오지 슬림 십사기가는 오만오천원이에요"),
    ("caller", "stt", "요고 34로 바꾸면 얼마예요"),
    ("agent", "stt", "요고 30은 월 30,000원이고 데이터 5GB 드려요"),
    ("agent", "typed", "다음 달 1일부터 요고 30으로 변경됩니다."),
    ("caller", "stt", "저 34살인데 Y 요금제 되나요"),
    ("agent", "stt", "만 15세 고객님은 법정대리인 동의가 필요합니다"),
    ("agent", "typed", "선택약정 24개월, 25% 할인 적용"),
    ("caller", "stt", "데이터 다 쓰면 속도가 5Mbps로 줄어요?"),
    ("agent", "stt", "네 소진 후 1Mbps로 계속 쓰실 수 있어요"),
    ("caller", "stt", "한 달에 110기가 정도 써요"),
    ("agent", "stt", "5G 심플 110GB는 69,000원입니다"),
    ("caller", "stt", "이번 달 25일에 요금 빠져나가죠"),
    ("agent", "stt", "3월 1일부터 새 요금제가 적용됩니다"),
    ("agent", "typed", "2026년 4월 1일부터 요금제 변경 예약"),
    ("caller", "stt", "약정은 2025년 12월 31일에 끝나요"),
    ("agent", "stt", "2019년 3월 2일에 가입하셨네요"),
    ("agent", "stt", "2010년 5월 3일에 개통하신 회선이에요"),
    ("caller", "stt", "만 65세 이상이면 할인 돼요?"),
    ("agent", "stt", "네 고객님 만 68세라서 시니어 요금제 가능하세요"),
    ("caller", "stt", "정말 감사합니다 고객님도 좋은 하루 되세요"),
    ("agent", "stt", "이번 달은 일할 계산돼서 12,300원 나와요"),
    ("caller", "stt", "일이 많아서 전화를 늦게 드렸어요"),
    ("caller", "stt", "다음 주에 이사 가는데 인터넷도 옮길 수 있어요"),
    ("caller", "stt", "하나도 안 써요 데이터"),
    ("caller", "stt", "둘 다 넷플릭스 되는 걸로요"),
    ("agent", "stt", "가족 결합하면 2회선 기준 월 5,500원 할인돼요"),
    ("agent", "stt", "고객센터 114로 전화 주셔도 됩니다"),
    ("caller", "stt", "삼만삼천원짜리 요금제 있어요"),
    ("agent", "stt", "이십사개월 약정하시면 더 싸요"),
    ("caller", "stt", "서른네 살이에요"),
    ("agent", "stt", "만 육십오세 이상 어르신 요금제가 있습니다"),
    ("caller", "stt", "오후 세 시쯤 다시 전화할게요"),
    ("agent", "typed", "초이스 스페셜 월 110,000원 (넷플릭스 포함)"),
    ("caller", "stt", "갤럭시 S24 쓰고 있어요"),
    ("caller", "stt", "아이폰 15 프로 맥스인데 5G 되죠"),
    ("agent", "stt", "데이터 쉐어링 2GB 추가로 드려요"),
    ("agent", "stt", "선택약정 끝나는 날이 2026년 11월 26일이에요"),
    ("caller", "stt", "요고 69도 있어요?"),
    ("agent", "stt", "5G 베이직은 월 80,000원에 데이터 무제한입니다"),
    ("caller", "stt", "팔만원은 너무 비싸요 오만원 이하로요"),
    ("agent", "stt", "할인 받으시면 월 4만 1250원이에요"),
    ("caller", "stt", "해외 로밍 데이터 하루에 몇 기가예요"),
    ("agent", "stt", "로밍은 하루 100MB 기본 제공돼요"),
    ("caller", "stt", "3번 요금제로 해 주세요"),
    ("agent", "stt", "요금제는 매월 1일 기준으로 바뀝니다"),
    ("caller", "stt", "다음 달 15일에 해외 나가요"),
    ("agent", "stt", "인증번호 6자리 문자로 보내드렸습니다"),
    ("agent", "stt", "지금 사용량은 12.5GB 남았어요"),
    ("caller", "stt", "작년 12월부터 요금이 올랐어요"),
    ("agent", "stt", "최근 3개월 평균 23GB 쓰셨어요"),
    ("caller", "stt", "최대 속도가 얼마나 나와요"),
    ("agent", "stt", "이 요금제는 20% 할인 적용이 안 됩니다"),
    ("caller", "stt", "이거 24개월 다 채워야 돼요"),
    ("agent", "stt", "위약금은 약 132,000원 예상됩니다"),
    ("caller", "stt", "오늘 중으로 처리해 주세요"),
    ("agent", "stt", "네 고객님 잠시만 기다려 주세요"),
    ("agent", "stt", "복지 할인은 월 최대 12,100원입니다"),
    ("caller", "stt", "장애인 할인도 받을 수 있나요"),
    ("agent", "stt", "요고 34는 온라인 전용이라 구월 일일부터 신청 가능해요"),
    ("caller", "stt", "칠만 원 넘으면 안 돼요"),
    ("agent", "stt", "티빙이랑 디즈니 중에 하나 고르시면 돼요"),
    ("caller", "stt", "신한카드 할인 되나요"),
    ("agent", "stt", "KT 멤버십 VIP 등급이세요"),
    ("caller", "stt", "제가 열다섯 살 딸 폰을 바꾸려고요"),
    ("agent", "stt", "2회선 이상 결합 시 25% 할인됩니다"),
    ("caller", "stt", "1년 약정도 있어요"),
    ("agent", "stt", "12개월 약정 시 할인율은 같아요"),
    ("caller", "stt", "2024년에 가입했어요"),
    ("agent", "stt", "2023년 8월 가입 고객이세요"),
    ("caller", "stt", "유심 배송은 며칠 걸려요"),
    ("agent", "stt", "내일 오후 2시에서 4시 사이에 도착합니다"),
    ("caller", "stt", "테더링 몇 기가까지 돼요"),
    ("agent", "stt", "테더링은 데이터 제공량 내에서 40GB까지예요"),
    ("caller", "stt", "이월 데이터는 어떻게 돼요"),
    ("agent", "stt", "남은 데이터는 다음 달로 이월되지 않습니다"),
    ("caller", "stt", "일일이 다 확인해 주셔서 고마워요"),
    ("agent", "stt", "사이즈가 큰 파일은 와이파이에서 받으세요"),
    ("caller", "stt", "구십 분 통화했는데 요금 나와요"),
    ("agent", "stt", "음성은 기본 제공이라 추가 요금 없습니다"),
    ("caller", "stt", "삼십사 기가 정도면 충분해요"),
    ("agent", "stt", "그럼 요고 삼십사가 맞으실 것 같아요"),
    ("caller", "stt", "오지 심플 백십 기가는요"),
    ("agent", "stt", "육만구천원입니다"),
    ("caller", "stt", "만원만 더 싸면 좋겠어요"),
    ("agent", "stt", "요금 할인 이천 원 추가 적용해 드렸어요"),
    ("caller", "stt", "올해 12월까지 약정이에요"),
    ("agent", "typed", "약정 종료 2026-11-26, 위약금 없음"),
    ("agent", "typed", "변경 예정일 2026.05.01"),
    ("caller", "stt", "다다음 달 1일에 바꿔도 돼요?"),
    ("agent", "stt", "매달 25일 자동이체로 빠집니다"),
    ("caller", "stt", "데이터 무제한 쓰려면 최소 얼마예요"),
    ("agent", "stt", "최소 69,000원부터 무제한이에요"),
    ("caller", "stt", "10GB 미만이면 뭐가 좋아요"),
    ("agent", "stt", "Y틴 요금제는 만 18세 이하만 가입 가능합니다"),
    ("caller", "stt", "우리 애가 열네 살이에요"),
    ("agent", "stt", "청소년 요금제는 월 33,000원입니다"),
    ("caller", "stt", "전화 주신 분이 상담원이세요"),
    ("agent", "stt", "팀장님께 연결해 드릴까요"),
    ("caller", "stt", "해지하려면 위약금 얼마예요"),
    ("agent", "stt", "고객님 명의 회선은 1개입니다"),
    ("caller", "stt", "인터넷 500M 상품도 같이 보고 싶어요"),
    ("agent", "stt", "기가 인터넷 1G는 월 38,500원이에요"),
    ("caller", "stt", "TV 결합하면 얼마 빠져요"),
    ("agent", "stt", "결합 할인 최대 월 22,000원"),
    ("caller", "stt", "넷플릭스 스탠다드 되는 요금제요"),
    ("agent", "stt", "초이스 베이직에 넷플릭스 베이직 포함입니다"),
    ("caller", "stt", "주소는 그대로예요 바뀐 거 없어요"),
    ("agent", "stt", "등록된 주소로 유심 보내드릴게요"),
    ("caller", "stt", "이메일로 청구서 받고 싶어요"),
    ("agent", "stt", "이메일 청구서로 바꾸시면 월 200원 할인돼요"),
    ("caller", "stt", "카드 자동이체로 바꾸고 싶어요"),
    ("agent", "stt", "계좌 자동이체도 가능합니다"),
    ("caller", "stt", "생년월일이 필요해요?"),
    ("agent", "stt", "본인 확인을 위해 생년월일 말씀해 주세요"),
    ("caller", "stt", "주민번호는 안 알려 드릴래요"),
    ("agent", "stt", "전화번호 뒷자리만 확인할게요"),
    ("agent", "typed", "본인확인 완료 (생년월일, 성함)"),
    ("caller", "stt", "오십오 기가면 충분하지 않을까요"),
    ("agent", "stt", "삼 개월 평균이 이십 기가예요"),
    ("caller", "stt", "일주일에 두 번 정도 영상 봐요"),
    ("agent", "stt", "5G 프리미엄은 월 130,000원입니다"),
    ("caller", "stt", "시월 일일부터 바꿔 주세요"),
    ("agent", "stt", "유월 말까지 프로모션이에요"),
    ("caller", "stt", "이십일 일에 납부일 바꿀 수 있어요"),
    ("agent", "stt", "납부일은 매월 10일, 15일, 25일 중에 고르실 수 있어요"),
    ("caller", "stt", "요고 30 요고 34 차이가 뭐예요"),
    ("agent", "stt", "요고 30은 5GB, 요고 34는 8GB예요"),
    ("caller", "stt", "팔 기가면 부족해요"),
    ("agent", "stt", "그럼 요고 39 보시는 게 좋겠어요"),
    ("caller", "stt", "삼만구천원이요?"),
    ("agent", "stt", "네 월 39,000원입니다"),
    ("caller", "stt", "2GB 더 주는 이벤트 있나요"),
    ("agent", "stt", "현재 진행 중인 이벤트는 없습니다"),
    ("caller", "stt", "5월 5일 어린이날에 개통돼요?"),
    ("agent", "stt", "공휴일에도 온라인 개통은 됩니다"),
    ("caller", "stt", "1분에 얼마예요 영상통화"),
    ("agent", "stt", "영상통화는 음성 1.66분으로 차감돼요"),
    ("caller", "stt", "100분 정도밖에 안 써요"),
    ("agent", "stt", "그럼 음성 200분짜리로도 충분하세요"),
    ("caller", "stt", "20대 초반이에요"),
    ("agent", "stt", "만 34세 이하 Y 혜택 받으실 수 있어요"),
    ("caller", "stt", "1985년에 처음 가입했었나"),
    ("agent", "stt", "요금제 변경은 월 1회만 가능해요"),
    ("caller", "stt", "내일 1시에 전화 주세요"),
    ("agent", "stt", "3일 이내에 처리됩니다"),
    ("caller", "stt", "7월 1일부터 요고 34로요"),
    ("agent", "stt", "네 7월 1일 자로 예약해 드렸습니다"),
    ("caller", "stt", "이거 4.5G 맞아요"),
    ("agent", "stt", "최대 1.5Gbps 속도가 나와요"),
    ("caller", "stt", "한 달 요금이 팔만 팔천 원 나왔어요"),
    ("agent", "stt", "지난달 요금은 88,000원 맞습니다"),
    ("caller", "stt", "이천이십육년 사월부터 바꿀게요"),
    ("agent", "stt", "24개월 할부 남은 건 월 37,500원이에요"),
    ("caller", "stt", "단말기 할부금이 120만원 남았어요"),
    ("agent", "typed", "문의: 요고 34 → 5G 슬림 14GB (월 +21,000원)"),
    ("caller", "stt", "그냥 제일 싼 거요 만 원대"),
    ("agent", "stt", "제일 저렴한 건 요고 19예요"),
]

# -- templates x value forms -----------------------------------------------------------------------
TEMPLATES: dict[str, list[tuple[str, str, str]]] = {  # category -> (speaker, style, frame with {v})
    "phone": [("caller", "stt", "제 번호는 {v}이에요"), ("caller", "stt", "연락처 {v}로 주세요"),
              ("agent", "stt", "등록된 번호가 {v} 맞으시죠"), ("caller", "typed", "휴대폰 {v}"),
              ("caller", "stt", "{v} 이 번호로 문자 부탁드려요"), ("caller", "stt", "딸 번호가 {v}인데 요금제 같이요")],
    "rrn": [("caller", "stt", "주민번호는 {v}입니다"), ("caller", "typed", "주민등록번호 {v}"),
            ("agent", "stt", "주민등록번호 {v} 맞으세요"), ("caller", "stt", "주민번호 {v}이요")],
    "dob": [("caller", "stt", "생년월일은 {v}이에요"), ("agent", "stt", "생년월일 {v} 맞으세요"),
            ("caller", "stt", "{v}생입니다"), ("caller", "typed", "생년월일 {v}"),
            ("agent", "stt", "고객님 생일이 {v} 맞으시죠")],
    "card": [("caller", "stt", "카드번호는 {v}이요"), ("caller", "typed", "결제 카드 {v}"),
             ("caller", "stt", "카드 번호 {v}로 바꿔 주세요")],
    "account": [("caller", "stt", "계좌번호 {v}로 자동이체요"), ("caller", "typed", "환불 계좌 {v}"),
                ("caller", "stt", "국민은행 {v}이에요")],
    "email": [("caller", "stt", "이메일은 {v}입니다"), ("caller", "typed", "메일 {v}"),
              ("caller", "stt", "{v}로 청구서 보내 주세요")],
    "address": [("caller", "stt", "주소는 {v}예요"), ("caller", "stt", "{v}로 유심 보내 주세요"),
                ("agent", "stt", "배송지 {v} 맞으십니까")],
    "arn": [("caller", "stt", "외국인등록번호는 {v}입니다"), ("agent", "typed", "외국인등록번호 {v} 확인"),
            ("caller", "stt", "등록번호 {v}이요 외국인등록증에 있는 거요")],
    "card_expiry": [("caller", "stt", "유효기간은 {v}이에요"), ("caller", "typed", "카드 유효기간 {v}"),
                    ("agent", "stt", "카드 만료일 {v} 맞으세요")],
    "passport": [("caller", "stt", "여권번호는 {v}입니다"), ("agent", "typed", "여권 {v} 확인"),
                 ("caller", "stt", "여권 번호 {v}이요")],
    "driver_license": [("caller", "stt", "운전면허번호는 {v}입니다"), ("agent", "typed", "면허번호 {v}"),
                       ("caller", "stt", "운전면허 {v}이요")],
    "name": [("agent", "stt", "{v} 고객님 맞으신가요"), ("caller", "stt", "네 {v}입니다"),
             ("agent", "stt", "{v} 님 요고 34 쓰고 계세요")],
}


def spoken_digits(digits: str, rng: random.Random) -> str:
    sino = "공일이삼사오육칠팔구" if rng.random() < 0.8 else "영일이삼사오육칠팔구"
    return "".join(sino[int(d)] for d in digits)


def phone_forms(rng: random.Random) -> list[str]:
    mid, last = f"{rng.randint(0, 9999):04d}", f"{rng.randint(0, 9999):04d}"
    return [f"010-{mid}-{last}", f"010{mid}{last}", f"010 {mid} {last}", f"010.{mid}.{last}",
            f"+82 10 {mid} {last}", f"+82-10-{mid}-{last}",
            f"{spoken_digits('010', rng)} {spoken_digits(mid, rng)} {spoken_digits(last, rng)}",
            f"{spoken_digits('010', rng)}에 {spoken_digits(mid, rng)}에 {spoken_digits(last, rng)}",
            f"010에 {mid}에 {last}", f"02-{mid[:3]}-{last}", f"031-{mid[:3]}-{last}", f"051 {mid} {last}",
            f"{spoken_digits('02', rng)} {spoken_digits(mid, rng)} {spoken_digits(last, rng)}"]


def arn_forms(rng: random.Random) -> list[str]:
    front = f"{rng.randint(60, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    back = f"{rng.choice('5678')}{rng.randint(0, 999999):06d}"
    return [f"{front}-{back}", f"{front}{back}", f"{front} {back}", f"{spoken_digits(front, rng)} {spoken_digits(back, rng)}",
            f"{front}-{back[0]}******"]


def expiry_forms(rng: random.Random) -> list[str]:
    m, y = rng.randint(1, 12), rng.randint(26, 31)
    return [f"{m:02d}/{y}", f"{m:02d}/20{y}", f"{y}년 {m}월", f"20{y}년 {m}월", f"{m:02d}월 {y}년",
            f"{spoken_digits(str(y), rng)}년 {SINO_MONTH.get(m, sino(m))}월", f"{m:02d}-{y}"]


def passport_forms(rng: random.Random) -> list[str]:
    digits = f"{rng.randint(0, 99999999):08d}"
    letter = rng.choice("MSRGD")
    return [f"{letter}{digits}", f"{letter}{digits[:3]}{rng.choice('ABCDEFG')}{digits[4:]}", f"{letter.lower()}{digits}",
            f"{letter} {digits}", f"{letter}{digits[:4]} {digits[4:]}"]


def license_forms(rng: random.Random) -> list[str]:
    a, b, c, d = rng.randint(11, 28), rng.randint(0, 99), rng.randint(0, 999999), rng.randint(0, 99)
    region = rng.choice(("서울", "경기", "부산", "대구", "인천", "경기남부", "충북"))
    return [f"{a}-{b:02d}-{c:06d}-{d:02d}", f"{a}{b:02d}{c:06d}{d:02d}", f"{region} {b:02d}-{c:06d}-{d:02d}",
            f"{a} {b:02d} {c:06d} {d:02d}", f"{region}{b:02d}-{c:06d}-{d:02d}"]


def rrn_forms(rng: random.Random) -> list[str]:
    yy, mm, dd = rng.randint(50, 99), rng.randint(1, 12), rng.randint(1, 28)
    front = f"{yy:02d}{mm:02d}{dd:02d}"
    back = f"{rng.choice('12')}{rng.randint(0, 999999):06d}"
    return [f"{front}-{back}", f"{front}{back}", f"{front} {back}", f"{front}-{back[0]}******",
            f"{spoken_digits(front, rng)} {spoken_digits(back, rng)}",
            f"{spoken_digits(front, rng)}에 {spoken_digits(back, rng)}", f"{front} 다시 {back}"]


SINO_MONTH = {6: "유", 10: "시"}


def sino(n: int) -> str:
    """Positional Sino-Korean reading of 1..9999 ("삼십일", "천구백팔십오")."""
    digits = "영일이삼사오육칠팔구"
    out = ""
    for value, unit in ((1000, "천"), (100, "백"), (10, "십")):
        q, n = divmod(n, value)
        if q:
            out += ("" if q == 1 else digits[q]) + unit
    return out + (digits[n] if n else "")


def dob_forms(rng: random.Random) -> list[str]:
    y, m, d = rng.randint(1950, 2008), rng.randint(1, 12), rng.randint(1, 28)
    yy = f"{y % 100:02d}"
    spoken_month = SINO_MONTH.get(m, sino(m))
    return [f"{y}년 {m}월 {d}일", f"{yy}년 {m}월 {d}일", f"{y}.{m:02d}.{d:02d}", f"{y}-{m:02d}-{d:02d}",
            f"{yy}.{m:02d}.{d:02d}", f"{yy}{m:02d}{d:02d}", f"{y}{m:02d}{d:02d}", f"{y}/{m:02d}/{d:02d}",
            f"{spoken_digits(yy, rng)}년 {spoken_month}월 {sino(d)}일", f"{sino(y)}년 {spoken_month}월 {sino(d)}일",
            f"{sino(y % 100)}년 {spoken_month}월 {sino(d)}일", f"{y}년{m}월{d}일"]


def card_forms(rng: random.Random) -> list[str]:
    groups = [f"{rng.choice((4, 5, 9))}{rng.randint(0, 999):03d}"] + [f"{rng.randint(0, 9999):04d}" for _ in range(3)]
    return ["-".join(groups), " ".join(groups), "".join(groups),
            " ".join(spoken_digits(g, rng) for g in groups), "-".join(groups[:2]) + " " + " ".join(groups[2:])]


def account_forms(rng: random.Random) -> list[str]:
    a, b, c = f"{rng.randint(100, 999)}", f"{rng.randint(0, 999):03d}", f"{rng.randint(0, 999999):06d}"
    return [f"{a}-{b}-{c}", f"{a}{b}{c}", f"{rng.randint(1000, 9999)}-{b}-{c}", f"{a}-{c[:4]}-{c[2:]}-{b[:2]}",
            f"{spoken_digits(a, rng)} {spoken_digits(b, rng)} {spoken_digits(c, rng)}", f"{a} {b} {c}"]


def email_forms(rng: random.Random) -> list[str]:
    user = rng.choice(("kimcs", "minsu.choi", "jy_lee", "hello.kt", "parkjm", "sky2011", "nguyen.van"))
    user += str(rng.randint(1, 99))
    domain = rng.choice(("naver.com", "gmail.com", "daum.net", "hanmail.net", "kakao.com", "nate.com"))
    name, tld = domain.split(".", 1)
    return [f"{user}@{domain}", f"{user} 골뱅이 {name} 점 {tld}", f"{user} @ {domain}", f"{user.upper()}@{domain}",
            f"{user} at {name} dot {tld}"]


ADDRESSES = [
    "서울시 송파구 올림픽로 300", "서울특별시 종로구 세종대로 175", "경기도 용인시 수지구 풍덕천동 123-4",
    "경기 성남시 분당구 불정로 90", "부산 수영구 광안해변로 219", "광주광역시 서구 상무중앙로 110",
    "울산 남구 삼산로 257", "충청북도 청주시 상당구 상당로 155", "전라북도 전주시 완산구 효자동 1가 100",
    "강원도 춘천시 중앙로 1", "경상남도 창원시 의창구 중앙대로 151", "대구광역시 중구 동성로 2가 88",
    "인천광역시 연수구 송도동 24-5 더샵아파트 105동 2304호", "서울 노원구 상계동 1234 주공아파트 7단지 710동 1102호",
    "경기도 화성시 동탄대로 123 101동 202호", "서울 은평구 불광로 12길 34",
]
NAMES = ["김철수", "이영희", "박지민", "최민수", "정미영", "정하늘", "홍길동", "김민준", "이서연", "박서준", "강민호",
         "윤서아", "장예린", "임도윤", "한지호", "오유진", "서하준", "신예은", "권도현", "황보름"]


def name_forms(rng: random.Random) -> tuple[str, list[str]]:
    name = rng.choice(NAMES)
    return name, [name, f"{name[0]} {name[1:]}", name[1:]]


def build() -> list[dict]:
    rng = random.Random(1404)
    records: list[dict] = []

    def add(kind: str, speaker: str, style: str, caller: str, others: tuple[str, ...], marked: str) -> None:
        text, spans, pos = "", [], 0
        for match in re.finditer(r"\{\{(\w+):(.+?)\}\}", marked):
            text += marked[pos:match.start()]
            category, value = match.group(1), match.group(2)
            assert category in CATEGORIES, category
            spans.append({"start": len(text), "end": len(text) + len(value), "category": category, "text": value})
            text += value
            pos = match.end()
        text += marked[pos:]
        records.append({"id": f"{kind}-{len(records):04d}", "text": text, "kind": kind, "style": style,
                        "speaker": speaker, "caller": caller, "others": list(others), "spans": spans})

    for speaker, style, caller, others, text in LINES:
        add("pii", speaker, style, caller, others, text)
    forms = {"phone": phone_forms, "rrn": rrn_forms, "dob": dob_forms, "card": card_forms,
             "account": account_forms, "email": email_forms, "arn": arn_forms, "card_expiry": expiry_forms,
             "passport": passport_forms, "driver_license": license_forms}
    for category, make in forms.items():
        for template in TEMPLATES[category]:
            for value in rng.sample(make(rng), 3):
                speaker, style, frame = template
                add("pii", speaker, style, "", (), frame.replace("{v}", "{{" + category + ":" + value + "}}"))
    for speaker, style, frame in TEMPLATES["address"]:
        for value in rng.sample(ADDRESSES, 5):
            add("pii", speaker, style, "", (), frame.replace("{v}", "{{address:" + value + "}}"))
    for speaker, style, frame in TEMPLATES["name"]:
        for _ in range(4):
            name, variants = name_forms(rng)
            add("pii", speaker, style, name, (), frame.replace("{v}", "{{name:" + rng.choice(variants) + "}}"))
    for speaker, style, text in CLEAN_LINES:
        add("clean", speaker, style, rng.choice(("", "김철수", "이영희", "박지민")), (), text)
    # the same PII-free frames with every plan/price/age form, so clean utterances outnumber PII ones
    plans = ["요고 34", "요고 30", "5G 슬림 14GB", "5G 심플 110GB", "요고 69", "5G 베이직", "초이스 스페셜"]
    fees = ["55,000원", "오만오천원", "41,250원", "삼만사천원", "69,000원", "월 3만 원", "110,000원"]
    ages = ["34살", "만 15세", "만 65세", "스물다섯 살", "만 18세", "42세"]
    changes = ["다음 달 1일", "이번 달 말일", "3월 1일", "2026년 6월 1일", "다음 주 월요일", "25일"]
    frames = ["{plan}은 {fee}이고 {change}부터 바꿀 수 있어요", "{age}이면 {plan} 가입 돼요?",
              "{change}에 {plan}으로 변경 예약했습니다", "{plan} 24개월 약정하면 {fee}예요",
              "저 {age}인데 {fee} 이하 요금제요"]
    for i in range(len(records) - 2 * len(CLEAN_LINES) + 20):
        frame = frames[i % len(frames)]
        text = frame.format(plan=rng.choice(plans), fee=rng.choice(fees), age=rng.choice(ages),
                            change=rng.choice(changes))
        add("clean", rng.choice(("agent", "caller")), "stt", "", (), text)
    return records


def main() -> None:
    records = build()
    with OUT.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    pii = sum(r["kind"] == "pii" for r in records)
    print(f"{len(records)} utterances ({pii} with PII, {len(records) - pii} without) -> {OUT}")


if __name__ == "__main__":
    main()
