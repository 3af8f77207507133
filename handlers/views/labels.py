"""Button labels: short, in Vietnamese, readable on a small screen."""

from __future__ import annotations

from surveys import question_kinds
from surveys.model import Question, QuestionKind

SCALE = {
    1: "1 · Rất không hài lòng",
    2: "2 · Không hài lòng",
    3: "3 · Bình thường",
    4: "4 · Hài lòng",
    5: "5 · Rất hài lòng",
    0: "Không biết / không sử dụng",
}
YESNO = {1: "Có", 0: "Không"}
# Each coded question kind's button labels, by its key (surveys.question_kinds.KindSpec.labels).
VALUES = {"scale": SCALE, "yesno": YESNO}
SKIP = "Bỏ qua"
DONE = "Xong"  # the end of the review on Zalo: the thank-you
START_SURVEY = "Bắt đầu khảo sát"
CONTINUE_SURVEY = "Tiếp tục khảo sát"
EDIT = "Sửa câu {number}"
SKIPPED = "(bỏ qua)"
FAQ_BACK = "« Các chủ đề"
FAQ_HELPFUL = "👍 Hữu ích"
FAQ_UNHELPFUL = "👎 Chưa đúng ý"
FAQ_SEND_TO_COMMUNE = "Gửi câu hỏi cho xã"
QUESTION_ANSWER = "Trả lời"
QUESTION_TO_FAQ = "Thêm vào câu hỏi thường gặp"
QUESTION_SPAM = "Đánh dấu người gửi là spam"
DELETE_CONFIRM = "Xóa danh tính của tôi"
DELETE_KEEP = "Không, giữ nguyên"
ADD_VILLAGE = "Thêm thôn"
SHEET_SAVE = "Lưu phiếu"
SHEET_CANCEL = "Hủy phiếu này"
SHEET_REPLACE = "Nhập lại, thay phiếu cũ"
CONFLICT_KEEP_PAPER = "{code}: giữ phiếu giấy"
CONFLICT_TAKE_CHAT = "{code}: lấy trả lời qua chat"
CONFLICT_TAKE_WEB = "{code}: lấy phiếu web"
CONFLICT_TAKE_ZALO = "{code}: lấy trả lời qua Zalo"
# The button per channel staff may keep (surveys.sheet_conflicts.Keep values).
CONFLICT_KEEP = {
    "paper": CONFLICT_KEEP_PAPER,
    "chat": CONFLICT_TAKE_CHAT,
    "web": CONFLICT_TAKE_WEB,
    "zalo": CONFLICT_TAKE_ZALO,
}

# The resident's command menu (Telegram shows these descriptions beside /commands).
COMMAND_MENU: tuple[tuple[str, str], ...] = (
    ("survey", "Trả lời khảo sát đang mở"),
    ("faq", "Câu hỏi thường gặp về dịch vụ công"),
    ("start", "Tham gia xã, phường của bạn"),
    ("mydata", "Xem dữ liệu ykien lưu về bạn"),
    ("deletedata", "Xóa danh tính của bạn khỏi ykien"),
    ("help", "Hướng dẫn sử dụng"),
    ("cancel", "Hủy thao tác đang làm"),
    ("stop", "Dừng nhận thông báo khảo sát"),
)

# Added to the menu of people who hold the role (see surveys.access.Role).
STAFF_MENU: tuple[tuple[str, str], ...] = (
    ("questions", "Câu hỏi của người dân đang chờ trả lời"),
    ("villages", "Thôn, tổ dân phố của xã"),
    ("rounds", "Các đợt lấy ý kiến; tạo đợt mới"),
    ("progress", "Tiến độ gửi và trả lời của đợt"),
    ("remind", "Nhắc người chưa trả lời xong"),
    ("broadcast", "Các lượt gửi: tạm dừng, gửi tiếp, hủy"),
    ("sheet", "Nhập phiếu giấy của một hộ"),
    ("conflicts", "Hộ trả lời qua nhiều kênh: giấy, chat, web, Zalo"),
    ("dashboard", "Đường link đăng nhập bảng theo dõi trên web"),
)
OFFICER_MENU: tuple[tuple[str, str], ...] = (
    ("summary", "Kết quả của xã hoặc tỉnh"),
    ("report", "Báo cáo HTML để in"),
    ("export", "Bảng tính XLSX và CSV"),
    ("dashboard", "Đường link đăng nhập bảng theo dõi trên web"),
)

# Chart and spreadsheet labels (handlers/charts.py, handlers/spreadsheets.py).
CHART_HIDDEN = "ẩn (dưới ngưỡng số người)"
CHART_THRESHOLD = "Ngưỡng đạt (tỷ lệ chung) {}"
CHART_FLOOR = "Ngưỡng mỗi câu {}"
CHART_ABOVE = "Đạt ngưỡng"
CHART_BELOW = "Dưới ngưỡng (gạch chéo)"
CHART_QUESTION = "Câu {}. {}"
CHART_OVERALL = "Câu {} (chung). {}"
CHART_VALUE = "Tỷ lệ"
# Words a chart label drops from a question so that its subject fits (the report keeps them).
CHART_DROP_PREFIXES = ("Nhìn chung, ông/bà có hài lòng với ", "Ông/bà có hài lòng với ")
CHART_DROP_SUFFIX = " không?"
CHART_SHARE = "Tỷ lệ hài lòng; vạch đen: khoảng tin cậy 95%"
CHART_COMMUNE = "{} — {} ({})"
CHART_PROVINCE = "{}: các xã theo tỷ lệ hài lòng chung"
HIDDEN_MARK = "ẩn"

# The commune's poster (bot/posters.py): the same words on the HTML page and the PNG.
POSTER_TITLE = "Góp ý về xây dựng nông thôn mới"
POSTER_ACTION = (
    "Quét mã dưới đây bằng camera điện thoại rồi bấm Bắt đầu: "
    "mỗi câu hỏi chỉ cần một lần chạm, xong trong khoảng 3 phút."
)
POSTER_LINK = "Hoặc gõ đường link:"
POSTER_PRIVACY = "Ý kiến chỉ được tổng hợp chung; không công bố câu trả lời của từng người."
# The channel a counted response came through (responses.channel), in reports and summaries.
RESPONSE_CHANNELS = {"chat": "Telegram", "web": "phiếu web", "zalo": "Zalo", "paper": "phiếu giấy"}
POSTER_CHANNELS = {"telegram": "Qua Telegram", "web": "Qua trình duyệt", "zalo": "Qua Zalo"}

# Spreadsheet columns: (header, note shown on the header cell).
SCORE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Mã câu", "Mã câu hỏi trong bộ câu hỏi"),
    ("Câu hỏi", "Nội dung câu hỏi"),
    ("Hài lòng", "Số người hài lòng (4-5 điểm, hoặc 'Có')"),
    ("Không hài lòng", "Số người không hài lòng (1-3 điểm, hoặc 'Không')"),
    ("Không biết", "Số người trả lời 'không biết / không sử dụng': không tính vào mẫu số"),
    ("Tỷ lệ hài lòng", "Hài lòng / (hài lòng + không hài lòng); để trống khi dưới ngưỡng k"),
    ("Cận dưới 95%", "Khoảng tin cậy Wilson 95%"),
    ("Cận trên 95%", "Khoảng tin cậy Wilson 95%"),
    ("Điểm TB", "Điểm trung bình 1-5 (câu thang điểm)"),
    ("Ẩn", "'ẩn' khi số người dưới ngưỡng k: mọi số liệu bị thay bằng dấu này"),
)
CRITERION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Tiêu chí", "Số thứ tự tiêu chí trong quyết định"),
    ("Tên tiêu chí", "Tên tiêu chí trong quyết định"),
    ("Các câu", "Các câu hỏi gắn với tiêu chí"),
    ("Lượt hài lòng", "Cộng dồn câu trả lời hài lòng của các câu (lượt, không phải người)"),
    ("Lượt hợp lệ", "Cộng dồn câu trả lời hợp lệ của các câu"),
    ("Tỷ lệ", "Lượt hài lòng / lượt hợp lệ"),
    ("Cận dưới 95%", "Khoảng Wilson trên số lượt"),
    ("Cận trên 95%", "Khoảng Wilson trên số lượt"),
)
VILLAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Thôn", "Thôn, tổ dân phố nơi người dân trả lời"),
    ("Số hộ đã phát mã", "Mã hộ gia đình đã phát cho thôn (0 khi xã chưa phát mã hộ)"),
    ("Người trả lời", "Số người (hộ) trả lời câu tổng thể; 'ẩn' khi dưới ngưỡng k"),
    ("Tỷ lệ hài lòng chung", "Tỷ lệ 'Có' ở câu tổng thể"),
    ("Cận dưới 95%", "Khoảng tin cậy Wilson 95%"),
    ("Cận trên 95%", "Khoảng tin cậy Wilson 95%"),
)
ANSWER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Mã ẩn danh", "HMAC-SHA256 của mã người dân với khóa YKIEN_PSEUDONYM_KEY (16 ký tự đầu)"),
    ("Thôn", "Để trống khi thôn dưới ngưỡng k"),
    ("Mã câu", "Mã câu hỏi"),
    ("Giá trị", "1-5 thang điểm, 0 không biết; 1 Có, 0 Không"),
    ("Bỏ qua", "1 khi người dân bỏ qua câu này"),
)
SHEET_VERDICT = "Kết luận"
SHEET_SCORES = "Từng nội dung"
VERDICT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Mục", "Số liệu chính của đợt, như trong báo cáo"),
    ("Giá trị", "Tỷ lệ ghi dạng số (0,9 = 90%); 'ẩn' khi dưới ngưỡng k"),
)
VERDICT_ITEMS = {
    "commune": "Xã, phường",
    "province": "Tỉnh, thành phố",
    "round": "Đợt",
    "kind": "Loại kết quả",
    "status": "Tình trạng đợt",
    "taken_at": "Số liệu lấy lúc",
    "unit": "Đơn vị đếm",
    "respondents": "Số trả lời (n)",
    "registered": "Số đăng ký (N)",
    "coverage": "Độ phủ (n/N)",
    "required": "Mẫu tối thiểu theo quy tắc chọn mẫu",
    "share": "Tỷ lệ hài lòng chung",
    "low": "Cận dưới 95%",
    "high": "Cận trên 95%",
    "overall": "Ngưỡng đạt (tỷ lệ chung)",
    "floor": "Ngưỡng mỗi câu",
    "verdict": "Kết luận",
    "reason": "Lý do",
}
KIND_NAMES = {True: "Đợt lấy ý kiến chính thức của xã", False: "Kết quả tham khảo"}
STATUS_NAMES = {"open": "đang mở", "scheduled": "chưa mở", "closed": "đã đóng"}
SHEET_PROVINCE = "Các xã"
SHEET_NATIONAL = "Các tỉnh"
NATIONAL_TITLE = "Kết quả lấy ý kiến sự hài lòng toàn quốc, theo tỉnh, thành phố"
NATIONAL_HEADERS = (
    "Hạng", "Mã tỉnh", "Tỉnh, thành phố", "Số xã có đợt", "Người trả lời",
    "Tỷ lệ hài lòng chung", "Cận dưới 95%", "Cận trên 95%",
)  # fmt: skip
PROVINCE_TITLE = "Kết quả lấy ý kiến sự hài lòng các xã, phường — {} (mã {})"
PROVINCE_SUBTITLE = "Số liệu lấy lúc {}. Xã dưới {} người (hộ) trả lời ghi 'ẩn'."
# Columns that start every CSV row, so that files of several communes stack into one table.
CSV_COMMUNE_COLUMNS = (
    "Mã xã", "Xã, phường", "Tỉnh, thành phố", "Đợt", "Mã đợt", "Loại kết quả", "Số liệu lấy lúc",
)  # fmt: skip
CSV_PROVINCE_COLUMNS = ("Mã tỉnh", "Tỉnh, thành phố", "Số liệu lấy lúc")
UNIT_NAMES = {"resident": "người", "household": "hộ"}
SHEET_CRITERIA = {"2026": "Tiêu chí 51-2025", "2021": "Tiêu chí 318-2022"}
# Criterion names of both national sets (shared/domain.md §2), for the report and the workbook.
CRITERIA_NAMES: dict[str, dict[int, str]] = {
    "2026": {
        1: "Quy hoạch",
        2: "Hạ tầng kinh tế – xã hội",
        3: "Phát triển kinh tế nông thôn",
        4: "Đào tạo nguồn nhân lực nông thôn",
        5: "Văn hóa, giáo dục, y tế",
        6: "Giảm nghèo và an sinh xã hội",
        7: "Khoa học công nghệ và chuyển đổi số",
        8: "Môi trường và cảnh quan nông thôn",
        9: "Xây dựng hệ thống chính trị và hành chính công",
        10: "Tiếp cận pháp luật và an ninh, quốc phòng",
    },
    "2021": {
        1: "Quy hoạch",
        2: "Giao thông",
        3: "Thủy lợi và phòng, chống thiên tai",
        4: "Điện",
        5: "Trường học",
        6: "Cơ sở vật chất văn hóa",
        7: "Cơ sở hạ tầng thương mại nông thôn",
        8: "Thông tin và Truyền thông",
        9: "Nhà ở dân cư",
        10: "Thu nhập",
        11: "Nghèo đa chiều",
        12: "Lao động",
        13: "Tổ chức sản xuất và phát triển kinh tế nông thôn",
        14: "Giáo dục và Đào tạo",
        15: "Y tế",
        16: "Văn hóa",
        17: "Môi trường và an toàn thực phẩm",
        18: "Hệ thống chính trị và tiếp cận pháp luật",
        19: "Quốc phòng và An ninh",
    },
}
CRITERIA_DECISIONS = {"2026": "Quyết định 51/2025/QĐ-TTg", "2021": "Quyết định 318/QĐ-TTg"}
SHEET_VILLAGES = "Theo thôn"
SHEET_ANSWERS = "Trả lời ẩn danh"
ANSWERS_HIDDEN = "Ẩn: số người trả lời dưới ngưỡng k."
PROVINCE_HEADERS = (
    "Hạng", "Mã xã", "Xã, phường", "Đợt", "Mã đợt", "Người trả lời",
    "Tỷ lệ hài lòng chung", "Cận dưới 95%", "Cận trên 95%", "Kết luận",
)  # fmt: skip

# The /rounds launch wizard (handlers/rounds.py).
ROUND_NEW = "➕ Tạo đợt mới"
ROUND_CANCEL = "Hủy lượt gửi {id}"
BROADCAST_HOLD = "⏸ Tạm dừng lượt gửi {id}"
BROADCAST_RESUME = "▶️ Gửi tiếp lượt gửi {id}"
AUDIENCE = {"all": "Mọi người dân", "v": "Một thôn", "n": "Người chưa trả lời đợt trước"}
WHEN = {"now": "Gửi ngay", "eve": "Tối nay ({time})", "type": "Nhập ngày giờ"}
CLOSES = {"7": "Sau 7 ngày", "14": "Sau 14 ngày", "30": "Sau 30 ngày", "type": "Nhập ngày giờ"}
EARLIER_ROUND = "{label} · {title}"
TEST_COPY = "Gửi thử cho tôi"
CONFIRM = "✅ Xác nhận gửi"
DISCARD = "Hủy"


def answer_label(question: Question, value: int | str | None) -> str:
    """A stored value as the resident reads it in chat (the review, "Đã lưu: ...", /mydata)."""
    if value is None:
        return SKIPPED
    kind = question_kinds.of(question.kind)
    if kind.values and isinstance(value, int):
        return VALUES[kind.labels][value]
    if question.kind is QuestionKind.CHOICE:
        return next((c.label for c in question.choices if c.code == value), str(value))
    return str(value)
