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

# The resident's command menu (Telegram shows these descriptions beside /commands).
COMMAND_MENU: tuple[tuple[str, str], ...] = (
    ("survey", "Trả lời khảo sát đang mở"),
    ("faq", "Câu hỏi thường gặp về dịch vụ công"),
    ("start", "Tham gia xã, phường của bạn"),
    ("mydata", "Xem dữ liệu ykien lưu về bạn"),
    ("deletedata", "Xóa danh tính của bạn khỏi ykien"),
    ("help", "Hướng dẫn sử dụng"),
    ("cancel", "Hủy thao tác đang làm"),
)

# Added to the menu of people who hold the role (see surveys.access.Role).
STAFF_MENU: tuple[tuple[str, str], ...] = (
    ("questions", "Câu hỏi của người dân đang chờ trả lời"),
    ("villages", "Thôn, tổ dân phố của xã"),
)
OFFICER_MENU: tuple[tuple[str, str], ...] = ()
