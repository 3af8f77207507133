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

# The resident's command menu (Telegram shows these descriptions beside /commands).
COMMAND_MENU: tuple[tuple[str, str], ...] = (
    ("survey", "Trả lời khảo sát đang mở"),
    ("start", "Tham gia xã, phường của bạn"),
    ("help", "Hướng dẫn sử dụng"),
    ("cancel", "Hủy thao tác đang làm"),
    ("stop", "Dừng nhận thông báo khảo sát"),
)

# Added to the menu of people who hold the role (see surveys.access.Role).
STAFF_MENU: tuple[tuple[str, str], ...] = (
    ("rounds", "Các đợt lấy ý kiến; tạo đợt mới"),
    ("progress", "Tiến độ gửi và trả lời của đợt"),
    ("remind", "Nhắc người chưa trả lời xong"),
)
OFFICER_MENU: tuple[tuple[str, str], ...] = ()

# The /rounds launch wizard (handlers/rounds.py).
ROUND_NEW = "➕ Tạo đợt mới"
ROUND_CANCEL = "Hủy lượt gửi {id}"
AUDIENCE = {"all": "Mọi người dân", "v": "Một thôn", "n": "Người chưa trả lời đợt trước"}
WHEN = {"now": "Gửi ngay", "eve": "Tối nay ({time})", "type": "Nhập ngày giờ"}
CLOSES = {"7": "Sau 7 ngày", "14": "Sau 14 ngày", "30": "Sau 30 ngày", "type": "Nhập ngày giờ"}
EARLIER_ROUND = "Đợt {id} · {title}"
TEST_COPY = "Gửi thử cho tôi"
CONFIRM = "✅ Xác nhận gửi"
DISCARD = "Hủy"
