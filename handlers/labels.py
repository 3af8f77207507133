"""Button labels: short, in Vietnamese, readable on a small screen."""

from __future__ import annotations

SCALE = {
    1: "1 · Rất không hài lòng",
    2: "2 · Không hài lòng",
    3: "3 · Bình thường",
    4: "4 · Hài lòng",
    5: "5 · Rất hài lòng",
    0: "Không biết / không sử dụng",
}
YESNO = {1: "Có", 0: "Không"}
SKIP = "Bỏ qua"
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
DELETE_CONFIRM = "Xóa danh tính của tôi"
DELETE_KEEP = "Không, giữ nguyên"
ADD_VILLAGE = "Thêm thôn"
SHEET_SAVE = "Lưu phiếu"
SHEET_CANCEL = "Hủy phiếu này"
SHEET_REPLACE = "Nhập lại, thay phiếu cũ"

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
    ("conflicts", "Hộ vừa có phiếu giấy vừa trả lời qua chat"),
)
OFFICER_MENU: tuple[tuple[str, str], ...] = (
    ("summary", "Kết quả của xã hoặc tỉnh"),
    ("report", "Báo cáo HTML để in"),
    ("export", "Bảng tính XLSX và CSV"),
)

# Chart and spreadsheet labels (handlers/charts.py, handlers/spreadsheets.py).
CHART_HIDDEN = "ẩn (dưới ngưỡng số người)"
CHART_THRESHOLD = "Ngưỡng đạt {}"
CHART_SHARE = "Tỷ lệ hài lòng (khoảng tin cậy 95%)"
CHART_COMMUNE = "{} — đợt {}"
CHART_PROVINCE = "{}: các xã theo tỷ lệ hài lòng chung"
HIDDEN_MARK = "ẩn"

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
    ("Các câu", "Các câu hỏi gắn với tiêu chí"),
    ("Lượt hài lòng", "Cộng dồn câu trả lời hài lòng của các câu (lượt, không phải người)"),
    ("Lượt hợp lệ", "Cộng dồn câu trả lời hợp lệ của các câu"),
    ("Tỷ lệ", "Lượt hài lòng / lượt hợp lệ"),
    ("Cận dưới 95%", "Khoảng Wilson trên số lượt"),
    ("Cận trên 95%", "Khoảng Wilson trên số lượt"),
)
VILLAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Thôn", "Thôn, tổ dân phố nơi người dân trả lời"),
    ("Người trả lời", "Số người trả lời câu tổng thể; 'ẩn' khi dưới ngưỡng k"),
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
SHEET_SCORES = "Điểm"
VERDICT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Mục", "Số liệu chính của đợt, như trong báo cáo"),
    ("Giá trị", "Tỷ lệ ghi dạng số (0,9 = 90%); 'ẩn' khi dưới ngưỡng k"),
)
VERDICT_ITEMS = {
    "commune": "Xã, phường",
    "round": "Đợt",
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
}
UNIT_NAMES = {"resident": "người", "household": "hộ"}
SHEET_CRITERIA = {"2026": "Tiêu chí 51-2025", "2021": "Tiêu chí 318-2022"}
SHEET_VILLAGES = "Theo thôn"
SHEET_ANSWERS = "Trả lời ẩn danh"
ANSWERS_HIDDEN = "Ẩn: số người trả lời dưới ngưỡng k."
PROVINCE_HEADERS = (
    "Hạng", "Mã xã", "Xã, phường", "Đợt", "Người trả lời",
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
EARLIER_ROUND = "Đợt {id} · {title}"
TEST_COPY = "Gửi thử cho tôi"
CONFIRM = "✅ Xác nhận gửi"
DISCARD = "Hủy"
