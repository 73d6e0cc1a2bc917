"""What staff read, in Vietnamese, from below the web layer: the sentences the services write themselves
(refusals of uploads and periods, notifications, the first-run checklist, export headers) and how a number
is written (0,3; 1.234,5).

One catalogue with the web's own (``broadcast.web.messages`` builds on this module and re-exports it): the
services may import this one without importing ``broadcast.web``. It imports nothing of the package.
A test (tests/web/test_messages.py) fails on a Vietnamese literal in any other module outside the
language data (readings, lexicons, sample texts).
"""

from __future__ import annotations

#: The Vietnamese letters that English never writes (the stray-literal test and ``looks_vietnamese``).
VIETNAMESE_LETTERS = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"

PRIORITY = {"normal": "Thường", "priority": "Ưu tiên", "emergency": "Khẩn cấp"}
#: What a receiver reported for an occurrence (the as-run log).
AS_RUN_KIND = {"played": "Đã phát", "failed": "Phát lỗi", "skipped": "Không phát được"}
#: The inbox's kinds of notification, and what befell an occurrence that did not play.
NOTIFICATION_KIND = {"alert": "Cảnh báo thiên tai chờ duyệt", "submitted": "Chờ duyệt", "rejected": "Bị từ chối",
                     "failed": "Phát lỗi / không phát được", "offline": "Cụm loa mất tín hiệu"}
ITEM_FATE = {"failed": "phát lỗi", "skipped": "không phát được", "missed": "bị bỏ lỡ"}

#: Column headers of the exports.
STATION_REPORT_HEADER = ["Mã đài", "Tên đài", "Huyện", "Từ ngày", "Đến ngày", "Số bản tin đã phát",
                         "Số lượt phát", "Số phút phát", "Số lượt bỏ lỡ", "Số lượt đã xếp lịch"]
AS_RUN_HEADER = ["Đài", "Huyện", "Cụm loa", "Bản tin", "Mức ưu tiên", "Giờ dự kiến", "Giờ báo cáo", "Kết quả",
                 "Thời lượng (phút)", "Ghi chú", "Cảnh báo CAP"]
AS_RUN_SUMMARY_HEADER = ["Đài", "Huyện", "Tháng"]
#: How an online engine says its quota is spent (some answer in Vietnamese): synth/who_spoke.py.
QUOTA_WORDS = ("quota", "limit", "hạn mức")

TEXT = {
    # documents and batches (services/documents.py, services/batch.py)
    "upload_kind_refused": "Không nhận tệp “{name}”: chỉ nhận tệp {allowed}.",
    "upload_too_large": "Tệp quá lớn ({size} MB); giới hạn là {limit} MB.",
    "upload_empty": "Tệp tải lên rỗng.",
    "document_kind_refused": "Chỉ nhập được văn bản từ tệp .docx, .txt hoặc .pdf.",
    "document_no_text": "Tệp không có nội dung văn bản.",
    "txt_unreadable": "Tệp .txt không đọc được: hãy lưu lại với bảng mã UTF-8.",
    "pdf_broken": "Tệp .pdf bị hỏng hoặc không phải tài liệu PDF.",
    "pdf_password": "Tệp .pdf có mật khẩu: hãy bỏ mật khẩu rồi tải lại.",
    "pdf_too_long": "Tệp .pdf dài quá {pages} trang.",
    "pdf_no_text": "Tệp .pdf không có lớp chữ (có thể là bản chụp/quét): không có gì để đọc.",
    "docx_broken": "Tệp .docx bị hỏng hoặc không phải tài liệu Word.",
    "docx_too_large": "Tệp .docx quá lớn khi giải nén.",
    "batch_not_document": "Không phải văn bản: chỉ nhận {allowed}.",
    "batch_no_audio": "không tạo được âm thanh: {reason}",
    "batch_none_chosen": "Hãy chọn ít nhất một tệp văn bản (.docx, .txt, .pdf).",
    "batch_too_many": "Mỗi lần chỉ chuyển tối đa {count} tệp.",
    "batch_unknown": "Không có đợt chuyển văn bản này.",
    "batch_failed": "lỗi khi chuyển: {reason}",
    "batch_progress": "Đang chuyển văn bản thành âm thanh",
    # recordings refused (audio/upload.py)
    "wav_header_broken": "Phần đầu tệp WAV bị hỏng (không có thông tin định dạng hoặc dữ liệu hợp lệ).",
    "wav_header_implausible": "Phần đầu tệp WAV không hợp lý ({channels} kênh, {rate} Hz).",
    "wav_truncated": "Tệp WAV ghi là dài {declared} nhưng chỉ chứa {available}: tệp bị cắt cụt hoặc bị làm giả.",
    "audio_truncated": "Tệp {kind} không đầy đủ (bị cắt giữa chừng); vui lòng tải lên lại.",
    "audio_empty": "Tệp rỗng.",
    "audio_too_large": "Tệp có dung lượng {size} MB, vượt giới hạn {limit} MB.",
    "audio_not_audio": "Tệp {name} không phải tệp âm thanh: hãy tải lên MP3, WAV, M4A hoặc OGG/Opus.",
    "audio_undecodable": "Không giải mã được tệp {kind}: tệp bị hỏng hoặc sai định dạng.",
    "audio_too_long": "Bản ghi dài hơn giới hạn {limit}.",
    "audio_no_sound": "Tệp {kind} không có âm thanh.",
    "audio_too_short": "Bản ghi có ít hơn {seconds} giây âm thanh.",
    "audio_silent": "Bản ghi không có tiếng (hoặc quá nhỏ để sử dụng).",
    "hours": "{n} giờ",
    "minutes": "{n} phút",
    "seconds": "{n} giây",
    # who read a bulletin when the first engine failed (synth/who_spoke.py)
    "spoke_upload": "bản ghi âm tải lên",
    "engine_not_configured": "chưa được cấu hình",
    "engine_not_installed": "chưa được cài đặt",
    "engine_timeout": "không trả lời",
    "engine_unreachable": "không kết nối được",
    "engine_cooling_down": "đang tạm ngưng sau một lỗi trước đó",
    "engine_not_audio": "trả về dữ liệu không phải âm thanh",
    "engine_quota": "đã hết hạn mức sử dụng",
    "engine_key_refused": "từ chối khóa truy cập",
    "engine_refused": "từ chối yêu cầu",
    "engine_server_error": "gặp lỗi máy chủ",
    "engine_model_changed": "tệp mô hình giọng bị thiếu hoặc đã thay đổi",
    "engine_failed": "gặp lỗi",
    "engine_fallback": "Đọc bằng giọng dự phòng {speaker} vì {because}.",
    # a CAP warning's bulletin, as read aloud (alerts/drafts.py)
    "cap_spoken_clock": "{hour} giờ",
    "cap_spoken_clock_minutes": "{hour} giờ {minute} phút",
    "cap_spoken_time": "{clock} ngày {day} tháng {month} năm {year}",
    "cap_default_title": "Cảnh báo thiên tai",
    "cap_issued_by": "Tin do {sender} phát đi.",
    "cap_valid_between": "Cảnh báo có hiệu lực từ {start} đến {end}.",
    "cap_valid_until": "Cảnh báo có hiệu lực đến {end}.",
    # reports (services/reports.py)
    "period_day_invalid": "Ngày không hợp lệ: dùng dạng năm-tháng-ngày, ví dụ 2025-03-15.",
    "period_reversed": "Ngày kết thúc phải sau ngày bắt đầu.",
    "period_too_long": "Kỳ báo cáo dài nhất {days} ngày.",
    # the as-run XLSX (services/asrun.py)
    "asrun_sheet_summary": "Tổng hợp",
    "asrun_sheet_log": "Nhật ký phát",
    "asrun_bulletins_of": "Số bản tin – {priority}",
    "asrun_minutes_of": "Số phút – {priority}",
    "asrun_minutes_total": "Tổng số phút",
    "asrun_chart_title": "Số phút đã phát theo mức ưu tiên",
    "asrun_chart_unit": "phút",
    # listening before approval (services/previews.py)
    "previews_busy": "Bạn đang nghe thử {count} bản tin cùng lúc: hãy đợi bản đang tạo xong rồi thử lại.",
    # the audit log's author when no person acted (services/directory.py)
    "audit_by_system": "hệ thống",
    # the admin's first-run checklist (services/firstrun.py)
    "firstrun_users": "Tạo tài khoản cho biên tập viên và người duyệt tin, phân công đài",
    "firstrun_stations": "Tạo các đài (xã) với khung giờ phát",
    "firstrun_receivers": "Thêm cụm loa và cài mã thiết bị: cụm loa gửi tín hiệu về",
    "firstrun_test": "Phát thử một bản tin và xem cụm loa báo đã phát",
    # notifications and their e-mails (services/notifications.py)
    "note_submitted_title": "Chờ duyệt: {title}",
    "note_submitted_body": "{author} đã gửi bản tin “{title}” và đang chờ bạn nghe, đọc và duyệt.",
    "note_some_editor": "Một biên tập viên",
    "note_rejected_title": "Bị từ chối: {title}",
    "note_rejected_body": "Bản tin “{title}” bị từ chối. Lý do: {reason}",
    "note_no_reason": "(không ghi)",
    "note_alert_default": "Cảnh báo thiên tai",
    "note_alert_title": "Cảnh báo thiên tai chờ duyệt: {what}",
    "note_alert_body": "{sender} gửi cảnh báo “{what}”. Bản tin khẩn cấp cho các đài trong vùng cảnh báo đang "
                       "chờ bạn nghe và duyệt phát.",
    "note_failed_title": "Không phát được: {title}",
    "note_failed_body": "Lượt phát “{title}” ở {station} {fate}.",
    "note_offline_title": "Cụm loa mất tín hiệu: {receiver}",
    "note_offline_body": "Cụm loa “{receiver}” của {station} không gửi tín hiệu từ {seen}.",
    "mail_subject": "[Truyền thanh cơ sở] {title}",
    "mail_body": "{body}\n\nXem: {link}\n\n— Hệ thống truyền thanh cơ sở (thư tự động, không cần trả lời)\n",
}


def say(key: str, **values: object) -> str:
    """The catalogue's sentence for ``key`` with its blanks filled in."""
    return TEXT[key].format(**values)


def looks_vietnamese(text: str) -> bool:
    return any(ch in text for ch in VIETNAMESE_LETTERS)


def decimal(value: float | None, places: int = 1) -> str:
    """A number as Vietnamese writes it: a decimal comma and a dot between thousands (1.234,5); None → —.

    The one formatter for pages and CSV exports alike (XLSX cells keep numbers as numbers)."""
    if value is None:
        return "—"
    text = f"{value:,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def duration(seconds: float) -> str:
    """A length as Vietnamese write it: 1,5 giờ; 12 phút; 4,5 giây."""
    if seconds >= 3600:
        return say("hours", n=decimal(seconds / 3600, 1))
    if seconds >= 120:
        return say("minutes", n=decimal(seconds / 60, 0))
    return say("seconds", n=decimal(seconds, 1))
