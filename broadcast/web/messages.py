"""The message catalogue: every Vietnamese sentence the staff pages build in Python, in one place.

The services speak English (the API's and the logs' language); what staff see comes from here: labels of
statuses and roles, service errors, receivers' reports, audit details, flash messages after an action and
the web layer's own refusals. ``broadcast.web.i18n`` holds the logic that applies these tables; templates
keep their own literal text. A test fails if a web module writes a Vietnamese literal outside this file.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from broadcast import messages as base
from broadcast.messages import (  # noqa: F401  (one home, used as messages.X by the web layer)
    AS_RUN_KIND,
    PRIORITY,
    VIETNAMESE_LETTERS,
    decimal,
    looks_vietnamese,
)

STATUS = {
    "draft": "Nháp", "submitted": "Chờ duyệt", "rejected": "Bị từ chối", "approved": "Đã duyệt, đang tạo âm thanh",
    "ready": "Sẵn sàng phát", "failed": "Lỗi tạo âm thanh", "cancelled": "Đã hủy",
}
VERSION_STATE = {"draft": "Nháp", "pending": "Chờ duyệt", "approved": "Đã duyệt", "rejected": "Bị từ chối",
                 "superseded": "Đã thay bằng phiên bản mới"}
ROLE = {"admin": "Quản trị", "editor": "Biên tập", "approver": "Duyệt tin", "intake": "Máy gửi cảnh báo"}
ITEM_STATUS = {"scheduled": "Đã xếp lịch", "played": "Đã phát", "missed": "Bỏ lỡ", "skipped": "Bỏ qua",
               "failed": "Lỗi phát", "cancelled": "Đã hủy"}
MODE = {"slot": "Theo khung giờ", "at": "Giờ chính xác", "now": "Phát ngay"}
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
RULE = {"number": "số", "date": "ngày tháng", "time": "giờ", "abbreviation": "viết tắt", "lexicon": "từ điển",
        "override": "từ điển của tỉnh", "unit": "đơn vị", "roman": "số La Mã", "document": "số hiệu văn bản",
        "letters": "đánh vần", "letter": "đánh vần", "spell": "đánh vần", "phone": "số điện thoại",
        "email": "thư điện tử", "url": "địa chỉ web", "foreign": "từ nước ngoài", "tone": "dấu thanh",
        "org": "tên cơ quan", "place": "địa danh", "range": "khoảng", "percent": "phần trăm",
        "per-unit": "đơn vị", "symbol": "ký hiệu", "clean": "bỏ ký hiệu dán kèm", "repeat": "đã đọc ngay trước",
        "capitals": "chữ in hoa đọc thành từ"}

ACTIONS = {
    "bulletin.create": "Tạo bản tin", "bulletin.edit": "Sửa bản tin", "bulletin.submit": "Gửi duyệt",
    "bulletin.approve": "Duyệt", "bulletin.reject": "Từ chối", "bulletin.retry": "Tạo lại âm thanh",
    "placement.create": "Xếp lịch phát", "placement.cancel": "Hủy lịch phát", "emergency.start": "Phát khẩn cấp",
    "emergency.cancel": "Hủy phát khẩn cấp", "lexicon.set": "Sửa từ điển", "lexicon.delete": "Xóa mục từ điển",
    "user.login": "Đăng nhập", "user.logout": "Đăng xuất", "user.login_failed": "Đăng nhập sai",
    "user.create": "Tạo tài khoản", "user.lock": "Khóa tài khoản", "user.unlock": "Mở khóa tài khoản",
    "user.stations": "Phân công đài", "user.email": "Sửa thư điện tử",
    "user.password_reset": "Cấp lại mật khẩu", "user.password_changed": "Đổi mật khẩu",
    "user.confirm_failed": "Nhập lại sai mật khẩu",
    "station.create": "Tạo đài", "station.voice": "Đổi giọng đọc mặc định của đài", "receiver.create": "Thêm cụm loa",
    "receiver.revoke": "Thu hồi cụm loa", "demo.seed": "Dữ liệu mẫu",
    "bulletin.override": "Sửa cách đọc riêng", "bulletin.reread": "Đọc lại theo từ điển mới",
}

ALERT_VIA = {"upload": "tải tệp lên", "api": "giao diện lập trình", "webhook": "gửi tự động", "feed": "nguồn tin"}
ALERT_OUTCOME = {"draft": "chờ duyệt", "placed": "đã phát", "update": "cập nhật, chờ duyệt", "cancelled": "hủy",
                 "expired": "đã hết hiệu lực", "no-stations": "không có đài trong vùng", "not-broadcast": "không phát",
                 "unresolved": "không tìm thấy cảnh báo được nhắc tới", "auto-approved": "tự động duyệt"}
ACTIONS.update({"alert.receive": "Nhận cảnh báo CAP", "alert.place": "Duyệt và phát cảnh báo",
                "alert.auto_approve": "Tự động duyệt cảnh báo"})
ACTIONS.update({"station.quiet_hours": "Sửa giờ yên tĩnh", "station.schedule": "Sửa khung giờ phát",
                "station.push": "Cài đặt đẩy lịch phát", "station.location": "Sửa vị trí đài",
                "station.locations_import": "Nhập vị trí các đài từ tệp"})

#: Service errors (English, from ``broadcast.services``) → Vietnamese; ``{s}`` is a status, shown translated.
SERVICE_ERRORS: list[tuple[str, str]] = [
    # The password policy (services/passwords.py)
    (r"^the password must have at least (?P<n>\d+) characters$", "Mật khẩu phải có ít nhất {n} ký tự."),
    (r"^the password must use at least (?P<n>\d+) different characters.*$",
     "Mật khẩu phải có ít nhất {n} ký tự khác nhau (không chỉ dấu cách hay một ký tự lặp lại)."),
    (r"^the password must not contain the username$", "Mật khẩu không được chứa tên đăng nhập."),
    (r"^the password must not be only digits$", "Mật khẩu không được chỉ gồm chữ số."),
    (r"^the password is too common.*$",
     "Mật khẩu quá phổ biến, dễ bị đoán. Hãy chọn một cụm từ dài của riêng bạn."),
    (r"^the current password is wrong$", "Mật khẩu hiện tại không đúng."),
    (r"^the new password must differ from the current one$", "Mật khẩu mới phải khác mật khẩu hiện tại."),
    (r"^you cannot reset your own password; change it instead$",
     "Bạn không thể tự cấp lại mật khẩu của mình; hãy dùng trang Đổi mật khẩu."),
    # CAP warnings (issue 16)
    (r"^not a valid CAP 1\.2 alert: (?P<a>.+)$", "Tệp không phải cảnh báo CAP 1.2 hợp lệ. Chi tiết kỹ thuật: {a}"),
    (r"^not a CAP 1\.2 alert: .*$", "Tệp không phải cảnh báo theo chuẩn CAP 1.2 "
     "(phần tử gốc hoặc không gian tên sai)."),
    (r"^the XML declares a document type or entities.*$", "Tệp XML có khai báo DOCTYPE hoặc thực thể: cảnh báo CAP "
     "không bao giờ cần, nên tệp bị từ chối để an toàn."),
    (r"^the file is not well-formed XML: (?P<a>.+)$", "Tệp không phải XML đúng cú pháp ({a})."),
    (r"^the message is empty$", "Tệp trống."),
    (r"^the message is larger than .*$", "Tệp quá lớn so với một cảnh báo CAP."),
    (r"^choose a CAP file to upload$", "Hãy chọn tệp cảnh báo CAP để tải lên."),
    (r"^area “(?P<a>.+)”: (?P<b>.+)$", "Vùng “{a}” không hợp lệ: {b}"),
    (r"^a msgType \w+ alert must name the alert it refers to.*$",
     "Tin cập nhật hoặc hủy phải ghi rõ cảnh báo được nhắc tới (references)."),
    (r"^reference .*$", "Phần nhắc tới cảnh báo trước (references) không đúng dạng “nơi gửi,mã,thời điểm”."),
    (r"^the alert is not signed.*$", "Cảnh báo không có chữ ký số, mà hệ thống chỉ nhận cảnh báo có chữ ký."),
    (r"^the alert is signed but no signer certificate is configured.*$",
     "Cảnh báo có chữ ký số nhưng hệ thống chưa cài chứng thư của nơi gửi."),
    (r"^the alert's XML signature is not valid.*$", "Chữ ký số của cảnh báo không hợp lệ."),
    (r"^checking XML signatures needs signxml.*$", "Máy chủ chưa cài thư viện kiểm tra chữ ký số (signxml)."),
    (r"^the warning's text is longer than .*$", "Nội dung cảnh báo quá dài."),
    (r"^the warning has expired.*$", "Cảnh báo đã hết hiệu lực: không phát cảnh báo đã hết hạn."),
    (r"^the warning was cancelled by its sender.*$", "Nơi gửi đã hủy cảnh báo này: không thể phát nữa."),
    (r"^this alert has no bulletin to approve$", "Cảnh báo này không có bản tin để duyệt."),
    (r"^only approvers and admins see the warnings received$",
     "Chỉ người duyệt tin và quản trị xem được các cảnh báo thiên tai."),
    (r"^no alert \d+$", "Không có cảnh báo này."),
    (r"^(?:from|to) '.*' is not a date$", "Ngày lọc không hợp lệ."),
    (r"^choose at least one station$", "Hãy chọn ít nhất một đài."),
    (r"^unknown station\(s\): (?P<a>.+)$", "Không có đài: {a}."),
    (r"^unknown station '?(?P<a>[^']+)'?$", "Không có đài {a}."),
    (r"^you are not assigned to (all of these stations|this station)$",
     "Bạn không được phân công phụ trách (tất cả) các đài này."),
    (r"^the title is empty$", "Tiêu đề đang trống."),
    (r"^the title is longer than (?P<a>\d+) characters$", "Tiêu đề dài quá {a} ký tự."),
    (r"^the bulletin text is empty$", "Nội dung bản tin đang trống."),
    (r"^the bulletin text is longer than (?P<a>\d+) characters$", "Nội dung bản tin dài quá {a} ký tự."),
    (r"^no bulletin (?P<a>\d+)$", "Không tìm thấy bản tin số {a}, hoặc bạn không có quyền xem bản tin này."),
    (r"^a (?P<s>\w+) bulletin cannot be edited$", "Bản tin ở trạng thái “{s}” không sửa được."),
    (r"^only a draft or rejected bulletin can be submitted \(this one is (?P<s>[\w.]+)\)$",
     "Chỉ gửi duyệt được bản tin nháp hoặc bị từ chối (bản tin này: “{s}”)."),
    (r"^only an approver or an admin can review bulletins$", "Chỉ người duyệt tin hoặc quản trị mới được duyệt."),
    (r"^the author cannot approve or reject their own bulletin$",
     "Tác giả không được tự duyệt hay tự từ chối bản tin của mình: cần một người khác duyệt."),
    (r"^only a submitted bulletin can be reviewed \(this one is (?P<s>[\w.]+)\)$",
     "Chỉ duyệt được bản tin đang chờ duyệt (bản tin này: “{s}”)."),
    (r"^say why the bulletin is rejected$", "Hãy ghi lý do từ chối."),
    (r"^only a bulletin whose audio failed can be retried$", "Chỉ tạo lại được âm thanh của bản tin bị lỗi."),
    (r"^only an approved bulletin can be placed \(this one is (?P<s>[\w.]+)\)$",
     "Chỉ xếp lịch được bản tin đã duyệt (bản tin này: “{s}”)."),
    (r"^repeat must be between 1 and (?P<a>\d+)$", "Số lần lặp phải từ 1 đến {a}."),
    (r"^valid_until must be .*$", "Thời hạn phát phải là một thời điểm trong tương lai."),
    (r"^give the time to play as .*$", "Hãy chọn ngày và giờ phát."),
    (r"^that time has already passed$", "Thời điểm này đã qua."),
    (r"^choose at least one date for slot placement$", "Hãy chọn ít nhất một ngày phát."),
    (r"^station (?P<a>\S+) has no upcoming slot on the chosen dates$",
     "Đài {a} không còn khung giờ phát nào trong những ngày đã chọn."),
    (r"^this falls in quiet hours(?: \(only emergencies may play then\)|, when only emergencies may play): (?P<a>.+)$",
     "Rơi vào giờ yên tĩnh, khi chỉ tin khẩn cấp được phát: {a}."),
    (r"^it would run into quiet hours, when only emergencies may play: (?P<a>.+)$",
     "Bản tin sẽ kéo dài sang giờ yên tĩnh, khi chỉ tin khẩn cấp được phát: {a}."),
    (r"^station (?P<a>\S+) has no slot named (?P<b>.+) \(it has: (?P<c>.*)\)$",
     "Đài {a} không có khung giờ {b} (các khung của đài: {c})."),
    (r"^this clashes with content already placed \((?P<a>.+)\)\. Choose .*$",
     "Trùng giờ với nội dung đã xếp lịch (xem danh sách bên dưới). Hãy chọn phát sau các nội dung đó, "
     "thay thế chúng, hoặc chọn khung giờ khác."),
    (r"^every occurrence would be after valid_until$", "Mọi lượt phát đều sau thời hạn phát."),
    (r"^this placement is already cancelled$", "Lịch phát này đã được hủy rồi."),
    (r"^the written form must be one word.*$", "Cách viết phải là một từ hoặc chữ viết tắt (không có dấu cách)."),
    (r"^the spoken form must be 1–300 characters$", "Cách đọc phải dài từ 1 đến 300 ký tự."),
    (r"^lexicon entries need a written and a spoken form$", "Mục từ điển cần có cả chữ viết và cách đọc."),
    (r"^the written form may have at most 100 characters, the spoken form 300$",
     "Chữ viết dài tối đa 100 ký tự, cách đọc tối đa 300 ký tự."),
    (r"^lexicon entry .* contains a tab or newline$", "Mục từ điển không được chứa dấu tab hay xuống dòng."),
    (r"^write numbers in words in the spoken form$", "Trong cách đọc, hãy viết số bằng chữ."),
    (r"^no lexicon entry for (?P<a>.+)$", "Từ điển không có mục {a}."),
    (r"^username must be .*$", "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, _ . -"),
    (r"^password must have at least (?P<a>\d+) characters$", "Mật khẩu phải có ít nhất {a} ký tự."),
    (r"^user '?(?P<a>[^']+)'? already exists$", "Tài khoản {a} đã có."),
    (r"^no user '?(?P<a>[^']+)'?$", "Không có tài khoản {a}."),
    (r"^you cannot lock your own account$", "Bạn không thể tự khóa tài khoản của mình."),
    (r"^station code must be .*$", "Mã đài gồm 2–64 ký tự: chữ thường không dấu, số, _ -"),
    (r"^station name is empty$", "Tên đài đang trống."),
    (r"^station '?(?P<a>[^']+)'? already exists$", "Đài {a} đã có."),
    (r"^unknown time zone (?P<a>.+)$", "Múi giờ không hợp lệ: {a}."),
    # station locations (issue 16: CAP warning areas)
    (r"^give both latitude and longitude, or neither$", "Hãy nhập cả vĩ độ và kinh độ, hoặc để trống cả hai."),
    (r"^latitude (?P<a>\S+) is outside .*$", "Vĩ độ {a} nằm ngoài khoảng −90…90."),
    (r"^longitude (?P<a>\S+) is outside .*$", "Kinh độ {a} nằm ngoài khoảng −180…180."),
    (r"^(?P<a>lat|lon) '(?P<b>.*)' is not a number$", "Tọa độ “{b}” không phải là số."),
    (r"^area is not valid JSON: .*$", "Ranh giới không phải GeoJSON hợp lệ (sai cú pháp JSON)."),
    (r"^area must be a GeoJSON geometry object$", "Ranh giới phải là một đối tượng hình học GeoJSON."),
    (r"^area must be a GeoJSON Polygon or MultiPolygon, not (?P<a>.+)$",
     "Ranh giới phải là GeoJSON Polygon hoặc MultiPolygon (đang là {a})."),
    (r"^area has (?P<a>\d+) points; at most (?P<b>\d+)$", "Ranh giới có {a} điểm, tối đa {b} điểm."),
    (r"^area: position (?P<a>.+) is outside the world.*$",
     "Ranh giới có điểm {a} nằm ngoài phạm vi tọa độ (GeoJSON ghi [kinh độ, vĩ độ])."),
    (r"^area: position (?P<a>.+) is not \[longitude, latitude\]$",
     "Ranh giới có điểm {a} không hợp lệ: mỗi điểm là [kinh độ, vĩ độ]."),
    (r"^area: 'coordinates' must be .*$", "Ranh giới: “coordinates” phải là các mảng điểm [kinh độ, vĩ độ]."),
    (r"^area: a \w+ needs at least one ring of positions$", "Ranh giới cần ít nhất một vòng điểm."),
    (r"^area is not a valid \w+: each ring needs .*$",
     "Ranh giới không hợp lệ: mỗi vòng cần ít nhất 4 điểm và điểm cuối trùng điểm đầu."),
    (r"^area is not a valid \w+: Self-intersection\[(?P<a>\S+) (?P<b>\S+)\]$",
     "Ranh giới không hợp lệ: các cạnh tự cắt nhau tại điểm kinh độ {a}, vĩ độ {b}."),
    (r"^area is not a valid \w+: (?P<a>.+)$", "Ranh giới không hợp lệ ({a})."),
    (r"^area encloses no surface$", "Ranh giới không bao quanh vùng nào (diện tích bằng 0)."),
    (r"^province code '(?P<a>.*)' must be at most 2 digits.*$", "Mã tỉnh “{a}” phải gồm tối đa 2 chữ số."),
    (r"^district code '(?P<a>.*)' must be at most 3 digits.*$", "Mã huyện “{a}” phải gồm tối đa 3 chữ số."),
    (r"^commune code '(?P<a>.*)' must be at most 5 digits.*$", "Mã xã “{a}” phải gồm tối đa 5 chữ số."),
    (r"^(?P<a>\d+) cells, the header has (?P<b>\d+)$", "Dòng có {a} ô, dòng tiêu đề có {b} ô."),
    (r"^no station code$", "Thiếu mã đài."),
    (r"^a feature needs 'properties' with the station 'code'$", "Đối tượng cần “properties” có mã đài “code”."),
    (r"^a Point needs coordinates .*$", "Điểm (Point) cần tọa độ [kinh độ, vĩ độ]."),
    (r"^geometry must be a Point, Polygon or MultiPolygon, not (?P<a>.+)$",
     "Hình học phải là Point, Polygon hoặc MultiPolygon (đang là {a})."),
    (r"^the station's point is already given in row (?P<a>\d+)$", "Tọa độ của đài này đã có ở dòng {a}."),
    (r"^the station's area is already given in row (?P<a>\d+)$", "Ranh giới của đài này đã có ở dòng {a}."),
    (r"^the CSV needs a header row with a 'code' column.*$",
     "Tệp CSV cần dòng tiêu đề có cột “code” (các cột: code, lat, lon, province_code, district_code, "
     "commune_code)."),
    (r"^unknown CSV column\(s\) (?P<a>.+); known: (?P<b>.+)$", "Tệp CSV có cột không dùng được: {a}; các cột: {b}."),
    (r"^the CSV needs both 'lat' and 'lon' columns, or neither$",
     "Tệp CSV cần cả cột “lat” và “lon”, hoặc không cột nào."),
    (r"^a GeoJSON file must be a FeatureCollection.*$",
     "Tệp GeoJSON phải là một FeatureCollection có danh sách “features”."),
    (r"^the file is larger than (?P<a>\d+) MB$", "Tệp lớn hơn {a} MB."),
    (r"^the file is not UTF-8 text.*$",
     "Tệp không phải văn bản UTF-8: hãy lưu tệp CSV hoặc GeoJSON với bảng mã UTF-8."),
    (r"^the file is not valid JSON: .*$", "Tệp không phải JSON hợp lệ."),
    (r"^the file is empty$", "Tệp trống."),
    (r"^the file has no rows$", "Tệp không có dòng dữ liệu nào."),
    (r"^(?P<a>\d+) row\(s\) of the file are wrong; nothing was imported$",
     "Có {a} dòng sai trong tệp; chưa nhập dòng nào. Hãy sửa tệp rồi nhập lại."),
    (r"^choose a file$", "Hãy chọn tệp."),
    (r"^receiver name is empty$", "Tên cụm loa đang trống."),
    (r"^the text is empty: nothing to read$", "Văn bản trống: không có gì để đọc."),
    (r"^the text would read for about (?P<a>\d+) minutes; the limit is (?P<b>[\d.]+) minutes.*$",
     "Văn bản này đọc mất khoảng {a} phút, dài hơn giới hạn {b} phút. Hãy chia thành nhiều bản tin ngắn hơn."),
    (r"^nothing to read aloud: the text has only symbols, emoji or decoration$",
     "Không có gì để đọc: văn bản chỉ có ký hiệu, biểu tượng cảm xúc hoặc đường kẻ trang trí."),
    (r"^unknown voice '?(?P<a>[^';]+)'?; known voices: (?P<b>.+)$", "Không có giọng đọc {a}; các giọng có: {b}."),
    (r"^only an approver or an admin can start an emergency broadcast$",
     "Chỉ người duyệt tin hoặc quản trị mới được phát khẩn cấp."),
    (r"^confirm that you have read and approve this emergency content$",
     "Hãy đánh dấu xác nhận rằng bạn đã đọc và duyệt nội dung khẩn cấp này."),
    (r"^the password you re-entered is wrong$", "Mật khẩu nhập lại không đúng."),
    (r"^too many failed attempts; try again later$",
     "Đã nhập sai mật khẩu quá nhiều lần. Hãy chờ một lúc rồi thử lại."),
    (r"^too many failed attempts; try again later$",
     "Đã nhập sai mật khẩu quá nhiều lần. Hãy chờ một lúc rồi thử lại."),
    (r"^only an approver or an admin can cancel an emergency broadcast$",
     "Chỉ người duyệt tin hoặc quản trị mới được hủy phát khẩn cấp."),
    (r"^no emergency broadcast (?P<a>\d+)$", "Không có lượt phát khẩn cấp số {a}."),
    (r"^no placement (?P<a>\d+)$", "Không có lịch phát số {a}."),
    # approval versions (issue 13)
    (r"^only someone assigned to every station of this bulletin can (?P<a>\w+) it$",
     "Bản tin này gửi cho nhiều đài: chỉ người được phân công phụ trách tất cả các đài đó mới được thao tác."),
    (r"^you changed this version yourself: another approver must review it$",
     "Bạn đã sửa phiên bản này nên không thể tự duyệt: cần một người duyệt khác."),
    (r"^say which version you approve \(version_id\)$", "Hãy mở lại trang bản tin rồi duyệt."),
    (r"^the bulletin changed since you opened it: version (?P<a>\d+) is now the one to review.*$",
     "Bản tin đã thay đổi sau khi bạn mở trang: phiên bản {a} mới là bản cần duyệt. Hãy đọc và nghe lại."),
    (r"^the audio of this version is not ready yet.*$",
     "Âm thanh của phiên bản này đang được tạo: hãy nghe trước khi duyệt."),
    (r"^the audio of this version could not be made.*$", "Không tạo được âm thanh của phiên bản này: hãy tạo lại."),
    (r"^the audio you listened to is not this version's audio.*$",
     "Âm thanh bạn đã nghe không phải của phiên bản này: hãy nghe lại."),
    (r"^only an admin can change the province-wide lexicon.*$",
     "Chỉ quản trị mới được sửa từ điển chung của tỉnh; hãy sửa cách đọc cho riêng bản tin từ trang bản tin."),
    (r"^a recording has no reading to fix$", "Bản tin ghi âm không có cách đọc để sửa."),
    (r"^a bulletin may have at most (?P<a>\d+) readings of its own$",
     "Mỗi bản tin có tối đa {a} cách đọc riêng."),
    (r"^the bulletin's own readings are not valid$", "Danh sách cách đọc riêng của bản tin không hợp lệ."),
    (r"^only an approver or an admin can put an emergency bulletin on air$",
     "Chỉ người duyệt tin hoặc quản trị mới được xếp lịch phát bản tin khẩn cấp."),
    (r"^this bulletin was not written and approved for (?P<a>.+)$",
     "Bản tin này không được soạn và duyệt cho đài {a}."),
    (r"^none of this placement's occurrences are on your stations$",
     "Lịch phát này không có lượt phát nào trên đài bạn phụ trách."),
]
#: Letters only Vietnamese has: text holding one is already Vietnamese and is shown as it is.
#: Shown above an untranslated service message (kept as detail, so nothing is hidden).
UNKNOWN_ERROR = "Không thực hiện được yêu cầu."
#: The English glue inside lists the services build (times, slots, clash lists).
FRAGMENTS: list[tuple[str, str]] = [(r"\(quiet hours ", "(giờ yên tĩnh "), (r" at (?=\d)", " lúc "),
                                    (r"\bslot ", "khung giờ "), (r"#\d+ ", "")]

#: A receiver's report or error (the receiver speaks English); numbers with a dot become decimal commas.
RECEIVER_ERRORS: list[tuple[str, str]] = [
    (r"^the player exited with status (?P<a>-?\d+) after (?P<b>[\d.]+) s.*$",
     "Máy phát âm thanh của cụm loa dừng bất thường (mã {a}) sau {b} giây."),
    (r"^the player could not start.*$", "Cụm loa không khởi động được máy phát âm thanh."),
    (r"^the audio failed its check before playing.*$", "Tệp âm thanh tải về bị hỏng nên cụm loa không phát."),
    (r"^download of \w+ failed.*attempt (?P<a>\d+)\)?$",
     "Cụm loa chưa tải được tệp âm thanh (lần thử {a}); cụm loa sẽ tự tải lại."),
    (r"^download of .*$", "Cụm loa chưa tải được tệp âm thanh; cụm loa sẽ tự tải lại."),
    (r"^expired: .*$", "Đã quá thời hạn phát khi cụm loa đến lượt phát."),
    (r"^the manifest expired .*$", "Lịch phát trên cụm loa đã hết hạn mà chưa nhận được lịch mới."),
    (r"^too late: (?P<a>\d+) s after its time.*$", "Quá muộn: đã trễ {a} giây so với giờ phát."),
    (r"^cut off by an agent restart.*$",
     "Bị ngắt giữa chừng vì cụm loa khởi động lại (mất điện hoặc lỗi); không phát lại."),
    (r"^played (?P<a>[\d.]+) s, started (?P<b>[\d.]+) s after its time$",
     "Đã phát {a} giây, bắt đầu chậm {b} giây so với giờ phát."),
]
RECEIVER_REJECTED = "Cụm loa từ chối một lịch phát không hợp lệ (chữ ký hoặc nội dung sai)."
RECEIVER_UNKNOWN = "Cụm loa báo lỗi không xác định."

AUDIT_GROUPS = {"bulletin": "Bản tin", "placement": "Lịch phát", "emergency": "Khẩn cấp", "lexicon": "Từ điển",
                "user": "Tài khoản", "station": "Đài", "receiver": "Cụm loa", "demo": "Dữ liệu mẫu"}
OBJECTS = {"bulletin": "bản tin", "user": "tài khoản", "station": "đài", "receiver": "cụm loa",
           "lexicon": "mục từ điển", "placement": "lịch phát"}
AUDIT_GROUPS["alert"] = "Cảnh báo CAP"
OBJECTS["capalert"] = "cảnh báo CAP"


def occurrences_vi(rest: str) -> str:
    rest = re.sub(r"; replaced (.+?)(?=;|$)", lambda m: f"; thay thế {len(m.group(1).split(','))} lượt phát", rest)
    return rest.replace("; queued after clashing content", "; xếp sau nội dung trùng giờ")


#: What a password was re-entered for (services/login.py confirm_password's purpose).
CONFIRM_PURPOSE = {"emergency broadcast": "phát khẩn cấp", "password change": "đổi mật khẩu"}

def _version(g: dict[str, str]) -> str:
    return f"phiên bản {g['a']}" + (f": {g['b']}" if g["b"] else "")


#: Audit details (written in English by the services) → Vietnamese: a template filled with the pattern's
#: groups, or a function of them where a group needs translating.
AUDIT: list[tuple[str, str | Callable[[dict[str, str]], str]]] = [
    (r"^version (?P<a>\d+), audio \w+(?:: (?P<b>.*))?$",
     _version),
    (r"^version (?P<a>\d+): the province lexicon changed its spoken text$",
     "phiên bản {a}: từ điển của tỉnh đổi cách đọc"),
    (r"^version (?P<a>\d+)(?:: (?P<b>.*))?$", _version),
    (r"^emergency self-approval.*$",
     "tự duyệt khi phát khẩn cấp: vừa là tác giả vừa là người duyệt, đã xác nhận bằng mật khẩu"),
    (r"^placement \d+ on (?P<a>.+)$", "trên {a}"),
    (r"^placement \d+: (?P<a>\d+) occurrence\(s\) stopped$", "dừng {a} lượt phát"),
    (r"^placement \d+: (?P<a>\d+) occurrence\(s\) cancelled\.?\s*(?P<b>.*)$",
     lambda g: f"hủy {g['a']} lượt phát" + ("" if not g["b"] else ": hủy phát khẩn cấp"
                                             if g["b"] == "emergency cancelled" else f": {g['b']}")),
    (r"^(?P<m>slot|at|now) on (?P<a>.+?): (?P<n>\d+) occurrence\(s\)(?P<r>.*)$",
     lambda g: f"{MODE[g['m']].lower()} trên {g['a']}: {g['n']} lượt phát{occurrences_vi(g['r'])}"),
    (r"^demo bulletin, approved by the seed$", "bản tin mẫu, được duyệt sẵn khi tạo dữ liệu mẫu"),
    (r"^(?P<p>emergency broadcast|password change): wrong password re-entered, from (?P<a>.*)$",
     lambda g: f"{CONFIRM_PURPOSE[g['p']]}: nhập lại sai mật khẩu, từ máy {g['a']}"),
    (r"^web, from (?P<a>.+)$", "trên trang web, từ máy {a}"),
    (r"^api, from (?P<a>.+)$", "qua giao diện lập trình (API), từ máy {a}"),
    (r"^(?P<c>web|api): (?P<n>.*) from (?P<a>\S+)$",
     lambda g: f"{'trên trang web' if g['c'] == 'web' else 'qua API'}: tên {g['n']}, từ máy {g['a']}"),
    (r"^(?P<n>\S+) \(command line\)$", "{n} (bằng dòng lệnh)"),
    (r"^web$", "trên trang web"),
    (r"^(?P<a>.+) from (?P<b>\S+) \((?P<c>\d+) failure\(s\) in a row\)$",
     "{a} từ máy {b} (sai {c} lần liên tiếp)"),
    (r"^(?P<a>\S+) \((?P<r>admin|editor|approver)\)$", lambda g: f"{g['a']} ({ROLE[g['r']]})"),
    (r"^templates (?P<a>.*), (?P<b>\d+) explicit slot\(s\)$",
     "mẫu khung giờ {a}, {b} khung giờ riêng"),
    (r"^off$", "tắt"),
    # CAP warnings (issue 16)
    (r"^(?P<v>upload|api|webhook|feed): (?P<s>\S+) (?P<i>\S+) (?P<m>\w+) → (?P<o>[\w-]+)$",
     lambda g: f"{ALERT_VIA.get(g['v'], g['v'])}: {g['s']} mã {g['i']} → {ALERT_OUTCOME.get(g['o'], g['o'])}"),
    (r"^bulletin (?P<b>\d+) placement \d+ on (?P<a>.+)$", "bản tin số {b}, phát ngay trên {a}"),
    (r"^from a CAP alert, version (?P<a>\d+), submitted for approval$",
     "từ cảnh báo CAP, phiên bản {a}, gửi duyệt (do hệ thống viết)"),
    (r"^CAP Update: version (?P<a>\d+), waiting for approval$",
     "cảnh báo CAP cập nhật: phiên bản {a}, chờ duyệt"),
    (r"^CAP Cancel: (?P<a>\d+) occurrence\(s\) stopped\.\s*(?:CAP Cancel: )?(?P<b>.*)$",
     lambda g: f"nơi gửi hủy cảnh báo: dừng {g['a']} lượt phát" + (f". Lý do: {g['b']}" if g["b"] else "")),
    (r"^auto-approved CAP alert .*$", "tự động duyệt cảnh báo CAP từ nơi gửi tin cậy (theo cài đặt)"),
]

#: The station health summary's pieces (receivers' problems) → Vietnamese.
#: "last error: …" in the summary; the error itself is read with RECEIVER_ERRORS.
HEALTH_LAST_ERROR = "lỗi gần nhất: {}"
HEALTH: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    (r"never seen", lambda m: "chưa từng nhận tín hiệu"),
    (r"not seen since [\dT:+\-.]+", lambda m: "mất tín hiệu"),
    (r"rejected a manifest: [^;,]*", lambda m: "từ chối lịch phát không hợp lệ"),
    (r"low disk: (?P<a>\d+) MB free", lambda m: f"ổ đĩa sắp đầy (còn {m['a']} MB)"),
    (r"clock off by (?P<a>[+-]?\d+) s", lambda m: f"đồng hồ lệch {m['a']} giây"),
    (r"runs manifest (?P<a>\d+), current is (?P<b>\d+)",
     lambda m: f"đang chạy lịch phát cũ (số {m['a']}, mới nhất {m['b']})"),
]

#: Shown once after an action (``?m=<key>`` on the page it redirects to).
FLASH = {
    "password_changed": "Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất.",
    "created": "Đã lưu bản tin.", "submitted": "Đã gửi bản tin đi duyệt.", "approved": "Đã duyệt bản tin.",
    "rejected": "Đã từ chối bản tin và gửi lại cho tác giả.", "saved": "Đã lưu thay đổi.",
    "resubmit": "Đã lưu. Bản tin đã duyệt khi sửa phải được duyệt lại.", "placed": "Đã xếp lịch phát.",
    "placement_cancelled": "Đã hủy lịch phát.", "emergency": "Đã gửi lệnh phát khẩn cấp tới các cụm loa.",
    "placed_now": "Đã gửi lệnh phát ngay tới các cụm loa.", "notifications_read": "Đã đánh dấu đã đọc.",
    "placed_twice": "Đã xếp lịch phát. Lưu ý: bản tin này đã có sẵn trong cùng khung giờ đó, nên sẽ được đọc hai "
                    "lần liền nhau; nếu không muốn, hãy hủy một lịch phát bên dưới.",
    "emergency_cancelled": "Đã hủy phát khẩn cấp.", "lexicon": "Đã lưu cách đọc.",
    "lexicon_deleted": "Đã xóa mục từ điển.", "user": "Đã lưu tài khoản.", "station": "Đã tạo đài.",
    "receiver_revoked": "Đã thu hồi cụm loa.", "retry": "Đang tạo lại âm thanh.", "logout": "Đã đăng xuất.",
    "locations_imported": "Đã nhập vị trí các đài từ tệp.",
    "alert_received": "Đã nhận cảnh báo.", "alert_duplicate": "Cảnh báo này đã nhận trước đó; không có gì thay đổi.",
    "alert_placed": "Đã duyệt cảnh báo và gửi lệnh phát ngay tới các cụm loa trong vùng cảnh báo.",
}

#: Titles of the error page by HTTP status.
ERROR_TITLES = {401: "Cần đăng nhập", 403: "Không được phép", 404: "Không tìm thấy", 409: "Xung đột",
                413: "Tệp quá lớn", 422: "Dữ liệu không hợp lệ"}

#: The web layer's own sentences, by key; ``say(key, **values)`` fills them in.
TEXT = {
    "password_mismatch": "Hai lần nhập mật khẩu mới không giống nhau.",
    "input_refused": "Dữ liệu không hợp lệ (ký tự NUL, ký tự không hợp lệ, số hoặc ngày giờ ngoài phạm vi): {problem}",
    "body_too_large": "Tệp quá lớn: giới hạn là {limit} MB.",
    # errors and refusals
    "failed": "Không thực hiện được",
    "csrf_title": "Yêu cầu bị từ chối",
    "csrf": "Biểu mẫu thiếu mã bảo vệ (CSRF) hoặc mã không đúng. Hãy tải lại trang rồi thử lại.",
    "session_expired": "Phiên làm việc đã hết hạn: hãy đăng nhập lại.",
    "password_must_change": "Tài khoản đang dùng mật khẩu tạm thời do quản trị cấp lại: hãy đổi mật khẩu trước "
                            "khi làm việc khác.",
    "role_required": "Chỉ tài khoản có vai trò {roles} mới dùng được chức năng này.",
    "form_invalid": "Biểu mẫu thiếu hoặc sai thông tin.",
    "form_fields": "trường: {fields}",
    "too_large": "Tệp quá lớn ({size} MB); giới hạn là {limit} MB.",
    "login_stale": "Biểu mẫu đăng nhập đã cũ. Hãy thử lại.",
    "login_wrong": "Sai tên đăng nhập hoặc mật khẩu.",
    "login_throttled": " Đã sai nhiều lần liên tiếp: mỗi lần thử tiếp theo sẽ phải chờ lâu hơn.",
    "login_wait": "Đã nhập sai quá nhiều lần. Hãy thử lại sau {seconds} giây.",
    "login_busy": "Máy chủ đang bận xử lý nhiều lượt đăng nhập. Hãy thử lại sau giây lát.",
    "email_invalid": "Địa chỉ thư điện tử “{email}” không hợp lệ.",
    # dates and times typed in the forms (plain text boxes: the browser's language does not matter)
    "day_invalid": "Ngày “{value}” không hợp lệ: hãy viết ngày/tháng/năm, ví dụ 29/11/2026.",
    "day_missing": "Hãy nhập ngày phát (ngày/tháng/năm, ví dụ 29/11/2026).",
    "clock_invalid": "Giờ “{value}” không hợp lệ: hãy viết giờ:phút theo 24 giờ, ví dụ 07:00 hoặc 17:30.",
    "clock_missing": "Hãy nhập giờ phát (giờ:phút theo 24 giờ, ví dụ 17:30).",
    "period_backwards": "Ngày kết thúc phải sau ngày bắt đầu.",
    "days_too_many": "Mỗi lần xếp lịch tối đa {days} ngày.",
    "number_invalid": "{what} không hợp lệ.",
    "bulletin": "Bản tin",
    "receiver": "Cụm loa",
    "report_title": "Báo cáo phát thanh từ {first} đến {last}",
    # bulletins
    "priority_invalid": "Mức ưu tiên không hợp lệ.",
    "text_and_file": "Bạn vừa dán văn bản vừa chọn tệp văn bản: hãy chỉ dùng một cách.",
    "no_file": "Chưa chọn tệp.",
    "recording_checked_later": "Tệp ghi âm sẽ được kiểm tra khi lưu bản tin.",
    "imported": "Đã nhập văn bản từ tệp “{name}”. Hãy đọc lại trước khi lưu.",
    "imported_title": "Đã nhập văn bản từ tệp “{name}”; tiêu đề lấy từ đề mục đầu tiên. Hãy đọc lại trước khi lưu.",
    "reading_saved": "Đã lưu cho riêng bản tin này: “{written}” đọc là “{spoken}”.{note}",
    "reading_new_version": " Bản tin có phiên bản mới ({number}) cần được duyệt lại.",
    "reading_with_bulletin": " Cách đọc này được lưu cùng bản tin khi bạn lưu.",
    "reject_needs_reason": "Hãy ghi lý do từ chối vào ô “Ý kiến” để tác giả biết cần sửa gì.",
    "not_read": "(không đọc)",
    "batch_not_text": "Không nhận tệp “{name}”: chỉ nhận văn bản {suffixes}.",
    "emergency_audio_only": "Phát khẩn cấp chỉ nhận tệp ghi âm (mp3, wav, m4a, ogg, opus); "
                            "văn bản hãy dán vào ô nội dung.",
    # scheduling
    "mode_invalid": "Hãy chọn cách phát: theo khung giờ, giờ chính xác hoặc phát ngay.",
    # time spans and the footer
    "seconds": "{n} giây", "minutes": "{n} phút", "hours": "{n} giờ", "days": "{n} ngày",
    "ago": "{span} trước",
    "never_heard": "chưa từng nhận tín hiệu",
    "zone_vietnam": "giờ Việt Nam ({gmt})",
}

#: Voices in words (the codes never reach a page).
#: Every voice reads the same sentence, so staff compare voices, not texts.
VOICE_SAMPLE = ("Kính thưa bà con, đây là Đài truyền thanh xã. Sáng thứ bảy, trạm y tế tổ chức tiêm chủng "
                "cho trẻ em.")
VOICE_REGION = {"bac": "Miền Bắc", "trung": "Miền Trung", "nam": "Miền Nam"}
VOICE_GENDER = {"nu": "Nữ", "nam": "Nam"}
VOICE_SPEED = {-2: "Chậm", -1: "Hơi chậm", 0: "Bình thường", 1: "Hơi nhanh", 2: "Nhanh"}
VOICE_TEXT = {
    "online": "Trực tuyến, cần Internet", "offline": "Không cần Internet",
    "not_ready": "Chưa sẵn sàng", "fallback": ", sẽ đọc bằng giọng dự phòng {name}", "recording": "Bản ghi âm",
    "gone": "Giọng không còn trong hệ thống", "unknown": "Không có giọng đọc này.",
}


#: The CAP warning pages (web/alerts.py): CAP's English codes as staff read them.
CAP_PAGE_MSG_TYPE = {
    "Alert": "Cảnh báo mới",
    "Update": "Cập nhật",
    "Cancel": "Hủy cảnh báo",
    "Ack": "Xác nhận",
    "Error": "Báo lỗi",
}
CAP_PAGE_CAP_STATUS = {
    "Actual": "Thật",
    "Exercise": "Diễn tập",
    "System": "Tin hệ thống",
    "Test": "Thử nghiệm",
    "Draft": "Bản thảo",
}
CAP_PAGE_URGENCY = {
    "Immediate": "Ngay lập tức",
    "Expected": "Sắp xảy ra",
    "Future": "Trong thời gian tới",
    "Past": "Đã qua",
    "Unknown": "Chưa rõ",
}
CAP_PAGE_SEVERITY = {
    "Extreme": "Đặc biệt nguy hiểm",
    "Severe": "Nguy hiểm",
    "Moderate": "Trung bình",
    "Minor": "Nhẹ",
    "Unknown": "Chưa rõ",
}
CAP_PAGE_CERTAINTY = {
    "Observed": "Đã xảy ra",
    "Likely": "Nhiều khả năng",
    "Possible": "Có thể xảy ra",
    "Unlikely": "Ít khả năng",
    "Unknown": "Chưa rõ",
}
CAP_PAGE_OUTCOME = {
    "draft": "Chờ duyệt",
    "placed": "Đã duyệt và phát",
    "update": "Cập nhật, chờ duyệt",
    "cancelled": "Đã hủy các lượt phát",
    "expired": "Đã hết hiệu lực khi nhận, không phát",
    "no-stations": "Vùng cảnh báo không có đài nào",
    "not-broadcast": "Lưu lại, không phát",
    "unresolved": "Không tìm thấy cảnh báo được nhắc tới",
    "auto-approved": "Tự động duyệt và phát",
}
CAP_PAGE_HOW = {
    "geocode": "theo mã hành chính",
    "polygon": "nằm trong vùng cảnh báo",
    "circle": "nằm trong vòng tròn cảnh báo",
    "name": "theo tên địa danh — cần xác nhận",
}
CAP_PAGE_VIA = {
    "upload": "tải tệp lên",
    "api": "giao diện lập trình",
    "webhook": "gửi tự động (webhook)",
    "feed": "nguồn tin",
}

#: What the pages' scripts (static/*.js) write, handed to them as JSON in every page (base.html) so that the
#: scripts themselves hold no words. ``{n}``/``{name}`` are filled in by the script.
JS = {
    "preview_empty": "Hãy nhập nội dung trước khi nghe thử.",
    "preview_working": "Đang tạo âm thanh…",
    "no_server": "Không kết nối được máy chủ. Hãy thử lại.",
    "not_saved": "Không lưu được.",
    "no_server_short": "Không kết nối được máy chủ.",
    "file_chosen": "Đã chọn tệp “{name}”: tệp sẽ được kiểm tra khi lưu bản tin.",
    "file_reading": "Đang đọc tệp…",
    "file_unreadable": "Không đọc được tệp.",
    "batch_waiting": "Đang chờ",
    "batch_working": "Đang chuyển…",
    "batch_done": "Xong",
    "batch_refused": "Không chuyển được",
    "seconds": "{n} giây",
    "sample_working": "Đang tạo…",
    "sample_playing": "Đang phát giọng mẫu.",
    "sample_failed": "Không tạo được giọng mẫu. Hãy thử lại.",
}


def say(key: str, **values: object) -> str:
    """The catalogue's sentence for ``key`` (the web's own, else the services' one) with its blanks filled in."""
    return TEXT[key].format(**values) if key in TEXT else base.say(key, **values)
