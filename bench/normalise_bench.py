"""Benchmark for broadcast.normalise: throughput, dev-set score, adversarial inputs.

    .venv/bin/python bench/normalise_bench.py [--sentences N] [--adversarial-mb MB] [--timeout S]

1. Throughput on a realistic bulletin corpus generated from the templates below
   (commune loudspeaker news: weather, farming, party and council meetings,
   health, digital transformation). It is *not* the dev set. Measured on one
   core (the process is pinned when the OS allows) as CPU time, so other load on
   the machine does not distort it; wall time is printed too.
2. The shared scorer on ``../shared/corpus/normalise-dev.tsv`` (skipped with a
   message if ``../shared`` is absent).
3. Adversarial lines (a megabyte of digits, runs of dots, slashes, dashes,
   binary junk, ...) each in a child process under a time bound, so a
   catastrophic slowdown shows up as TIMEOUT instead of a hung benchmark.

Exit status 1 if a target is missed: >= 2,000 sentences/s, exact >= 0.95,
residue 0, every adversarial case within the bound.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from broadcast.normalise import normalise, normalise_line  # noqa: E402

TARGET_SENTENCES_PER_SECOND = 2000
TARGET_EXACT = 0.95

PLACES = ["Văn Quan", "Bình Gia", "Tràng Định", "Hạ Lang", "Trùng Khánh", "Lộc Bình", "Bảo Lạc", "Chi Lăng"]
COMMUNES = ["Hồng Phong", "Tân Văn", "Quang Long", "Đức Long", "Na Sầm", "Hoàng Đồng", "Thụy Hùng"]
NAMES = ["Hoàng Văn Thắng", "Nông Thị Hoa", "Lương Văn Cường", "Triệu Thị Mai", "Vi Văn Sơn"]

# {i}: small int, {n}: int with thousands dots, {d}: decimal, {p}: percent, {date}: d/m/yyyy,
# {dm}: d/m, {y}: year, {t}: clock time, {place}, {commune}, {name}
TEMPLATES = [
    "Sáng {dm}, UBND huyện {place} tổ chức hội nghị tổng kết công tác năm {y}.",
    "Dự báo đêm nay và ngày mai, khu vực tỉnh có mưa rào và dông rải rác, lượng mưa {i}-{i2}mm.",
    "Nhiệt độ thấp nhất từ {i}-{i2}°C, vùng núi cao có nơi dưới {i}°C.",
    "Gió đông bắc cấp {i}, giật cấp {i2}, trên biển sóng cao {d} m.",
    "Toàn xã {commune} có {n} hộ, trong đó {i} hộ nghèo, chiếm {p}.",
    "Năng suất lúa vụ mùa ước đạt {d} tạ/ha, sản lượng {n} tấn.",
    "Giá thu mua hồi khô dao động từ {n}-{n2} đồng/kg.",
    "Thực hiện Quyết định số {i3}/QĐ-UBND ngày {date} của UBND tỉnh về kiện toàn BCĐ chuyển đổi số.",
    "Ban Thường vụ Huyện ủy ban hành Nghị quyết số {i}-NQ/HU về phát triển kinh tế - xã hội.",
    "Theo Thông tư {i}/{y}/TT-BTTTT, đài truyền thanh cấp xã được quản lý chặt chẽ.",
    "Đồng chí {name}, Chủ tịch HĐND xã, đã tiếp {i} lượt công dân.",
    "Đ/c {name} phát biểu chỉ đạo tại hội nghị.",
    "Hội nghị lần thứ {i} Ban Chấp hành Đảng bộ huyện khóa XX, nhiệm kỳ 2020-2025.",
    "Trong quý II/{y}, tỉnh thu hút {i} dự án với tổng vốn đăng ký {d} tỷ đồng.",
    "Mức hỗ trợ là {n} đồng/người/tháng, áp dụng từ ngày {date}.",
    "Đề nghị bà con tập trung tại nhà văn hóa thôn lúc {t} ngày {dm} để họp.",
    "Bộ phận một cửa làm việc từ {t} đến 17h00 các ngày từ thứ 2 đến thứ 6.",
    "Mọi phản ánh xin gọi đường dây nóng 0205.3812.{i3} hoặc tổng đài 1022.",
    "Người dân tra cứu hồ sơ tại dichvucong.langson.gov.vn hoặc qua ứng dụng VNeID.",
    "Tỷ lệ hồ sơ TTHC được giải quyết trực tuyến đạt {p}, tăng {d}% so với cùng kỳ.",
    "Sở TT&TT phối hợp với VNPT tập huấn kỹ năng số cho {i3} thành viên Tổ công nghệ số cộng đồng.",
    "Đến nay, {i}/{i4} thôn đã lắp đặt loa truyền thanh ứng dụng CNTT - viễn thông.",
    "Mạng 4G đã phủ sóng đến {p} số thôn, bản trên địa bàn.",
    "Trung tâm Y tế huyện khuyến cáo người dân chủ động phòng chống sốt xuất huyết.",
    "Tỷ lệ người dân tham gia BHYT đạt {p}, BHXH tự nguyện tăng {i} người.",
    "Giai đoạn 2021-2025, huyện phấn đấu giảm tỷ lệ hộ nghèo bình quân {i}-{i2}%/năm.",
    "Diện tích trồng rừng mới năm {y} đạt {d} ha, vượt {d2}% kế hoạch.",
    "Đường giao thông nông thôn dài {d} km, mặt đường rộng {d2} m đã được nghiệm thu.",
    "Xã {commune} đạt {i}/19 tiêu chí nông thôn mới.",
    "Hội Nông dân xã phối hợp với NHCSXH giải ngân {n} triệu đồng cho {i} hộ vay vốn.",
    "Các HTX trên địa bàn đã tiêu thụ {n} tấn na, doanh thu ước đạt {d} tỷ đồng.",
    "Lực lượng CSGT đã xử lý {i3} trường hợp vi phạm ATGT, phạt tiền {n} đồng.",
    "Đội PCCC đã kịp thời dập tắt đám cháy, không có thiệt hại về người.",
    "Sản phẩm thạch đen của HTX {commune} đạt chuẩn OCOP 4 sao.",
    "Kim ngạch xuất nhập khẩu qua cửa khẩu đạt {d} triệu USD.",
    "Công trình có tổng diện tích sàn {n} m2, kinh phí {n2}.000.000 VNĐ.",
    "Trạm bơm có công suất {i3} m3/giờ, tưới cho {i3} ha lúa.",
    "Nhà máy thủy điện có công suất {i} MW, sản lượng điện {d} triệu kWh mỗi năm.",
    "Mật độ dân số khoảng {i} người/km².",
    "Lúc {t} ngày {date}, trên Quốc lộ 4A đoạn qua xã {commune} xảy ra tai nạn giao thông.",
    "Đại hội Đảng bộ xã lần thứ XXIV đã bầu {i} đồng chí vào Ban Chấp hành.",
    "Học kỳ I năm học {y}-{y2} kết thúc vào ngày {date}.",
    "Trường THCS và THPT {place} có {i3} học sinh, {i} giáo viên.",
    "Từ {i}-{i2}/{m}/{y}, Đại hội Hội Nông dân huyện được tổ chức thành công.",
    "Từ tháng {m}/{y}, xã triển khai mô hình Tổ tự quản về an ninh trật tự.",
    "Bà con lưu ý không chăn thả gia súc trên đồi cao khi nhiệt độ xuống thấp.",
    "Xin thông báo để bà con nhân dân được biết và thực hiện.",
    "Chúc bà con một mùa vụ bội thu, gia đình hạnh phúc.",
    "Các gia đình cần theo dõi thông tin thời tiết trên loa truyền thanh của xã.",
    "Đề nghị các thôn trưởng đôn đốc bà con hoàn thành việc kê khai trước thời hạn.",
    "Ban Chỉ đạo chuyển đổi số xã họp định kỳ vào tuần cuối cùng của tháng.",
    "Hệ thống truyền thanh thông minh giúp thông tin đến với người dân kịp thời hơn.",
    "Cơn bão số {i} đã làm {n} ngôi nhà bị tốc mái, thiệt hại ước tính {d} tỷ đồng.",
    "Mực nước sông Kỳ Cùng lúc {t} là {d} m, trên báo động 1 là {d2} m.",
    "Xã đã cấp {i3} thẻ CCCD gắn chip cho công dân từ 14 tuổi trở lên.",
    "Chương trình phát sóng lúc {t} thứ 7 hằng tuần trên sóng FM {d} MHz.",
]


def _fill(template: str, rng: random.Random) -> str:
    def thousands(lo: int, hi: int) -> str:
        return f"{rng.randint(lo, hi):,}".replace(",", ".")

    values = {
        "i": rng.randint(1, 40),
        "i2": rng.randint(41, 90),
        "i3": rng.randint(100, 999),
        "i4": rng.randint(40, 99),
        "n": thousands(1_000, 2_000_000),
        "n2": thousands(2_000_001, 9_000_000),
        "d": f"{rng.randint(1, 999)},{rng.randint(1, 99)}",
        "d2": f"{rng.randint(0, 20)},{rng.randint(1, 9)}",
        "p": f"{rng.randint(10, 99)},{rng.randint(1, 99)}%",
        "date": f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(2019, 2026)}",
        "dm": f"{rng.randint(1, 28)}/{rng.randint(1, 12)}",
        "m": rng.randint(1, 12),
        "y": rng.randint(2019, 2025),
        "y2": 2026,
        "t": rng.choice(["7h30", "8h", "14h00", "16h30", "19h", "7 giờ 30", "13:45"]),
        "place": rng.choice(PLACES),
        "commune": rng.choice(COMMUNES),
        "name": rng.choice(NAMES),
    }
    return template.format(**values)


def corpus(count: int, seed: int = 2024) -> list[str]:
    rng = random.Random(seed)
    return [_fill(rng.choice(TEMPLATES), rng) for _ in range(count)]


def throughput(sentences: list[str]) -> float:
    for line in sentences[:50]:  # warm the caches, as a running server would be
        normalise_line(line)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for line in sentences:
        normalise_line(line)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    rate = len(sentences) / cpu
    print(f"throughput: {len(sentences)} sentences in {cpu:.2f}s CPU ({wall:.2f}s wall) = {rate:,.0f} sentences/s")
    bulletin = "\n".join(" ".join(sentences[k : k + 4]) for k in range(0, len(sentences), 4))
    cpu0 = time.process_time()
    spoken = normalise(bulletin)
    cpu = time.process_time() - cpu0
    count = sum(len(p) for p in spoken.paragraphs)
    print(
        f"normalise(): {len(spoken.paragraphs)} paragraphs, {count} sentences, {len(spoken.changes)} changes "
        f"in {cpu:.2f}s CPU = {count / cpu:,.0f} sentences/s"
    )
    return rate


def dev_score() -> tuple[float, int] | None:
    corpus_dir = REPO.parent / "shared" / "corpus"
    scorer, gold = corpus_dir / "score_normalise.py", corpus_dir / "normalise-dev.tsv"
    if not scorer.exists() or not gold.exists():
        print(f"dev set: skipped ({corpus_dir} not found)")
        return None
    cmd = [sys.executable, str(scorer), str(gold), "--python", "broadcast.normalise:normalise_line"]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    lines = result.stdout.strip().splitlines()
    for line in lines:
        print(f"dev set: {line}")
    if result.returncode != 0 or not lines or not lines[-1].startswith("exact="):
        print(f"dev set: scorer failed: {result.stderr[-500:]}")
        return 0.0, -1
    fields = dict(part.split("=") for part in lines[-1].split())
    return float(fields["exact"]), int(fields["residue"])


def adversarial_cases(megabytes: float) -> dict[str, str]:
    size = int(megabytes * 1_000_000)
    rng = random.Random(1)
    junk = bytes(rng.randrange(256) for _ in range(size)).decode("latin-1")
    scripts = "中文 العربية русский 😀 ١٢٣ ²³ ½ ᄀ\u1161 "

    def rep(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    return {
        "1 MB of digits": rep("1234567890"),
        "digits and dots": rep("1."),
        "digits and commas": rep("12,"),
        "dots": rep("."),
        "slashes": rep("/"),
        "dashes": rep("-"),
        "a.a.a.": rep("a."),
        "sentence stops": rep("a. "),
        "?!?!": rep("?!"),
        "capitals": rep("ABCD"),
        "number/number": rep("1/"),
        "number-number": rep("1-"),
        "dates": rep("12/5/2023 "),
        "clock times": rep("16h30-"),
        "all symbols": rep("?!.,;:/-%&@°"),
        "binary junk": junk,
        "mixed scripts": rep(scripts),
        "e-mail-like": rep("a@b."),
        "www.": rep("www."),
        "phone groups": rep("0912 "),
        "empty lines": rep("\n"),
    }


def _run_case(text: str, queue: mp.Queue) -> None:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    out = normalise_line(text)
    queue.put((time.process_time() - cpu0, time.perf_counter() - wall0, len(out)))


def adversarial(megabytes: float, timeout: float) -> bool:
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    ok = True
    print(f"adversarial: {megabytes:g} MB per line, bound {timeout:g}s wall each")
    for name, text in adversarial_cases(megabytes).items():
        queue: mp.Queue = ctx.Queue()
        proc = ctx.Process(target=_run_case, args=(text, queue), daemon=True)
        start = time.perf_counter()
        proc.start()
        proc.join(timeout)
        wall = time.perf_counter() - start
        if proc.is_alive():
            proc.terminate()
            proc.join()
            print(f"  {name:18s} TIMEOUT after {wall:.1f}s")
            ok = False
        elif proc.exitcode != 0 or queue.empty():
            print(f"  {name:18s} CRASHED (exit code {proc.exitcode})")
            ok = False
        else:
            cpu, inner_wall, out_len = queue.get()
            print(f"  {name:18s} {cpu:6.2f}s CPU {inner_wall:6.2f}s wall  -> {out_len:,} chars")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=5000, help="size of the throughput corpus")
    parser.add_argument("--adversarial-mb", type=float, default=1.0, help="length of each adversarial line")
    parser.add_argument("--timeout", type=float, default=120.0, help="wall-clock bound per adversarial line")
    parser.add_argument("--skip-adversarial", action="store_true")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    failures: list[str] = []
    rate = throughput(corpus(args.sentences))
    if rate < TARGET_SENTENCES_PER_SECOND:
        failures.append(f"throughput {rate:,.0f} < {TARGET_SENTENCES_PER_SECOND:,}")
    score = dev_score()
    if score is not None:
        exact, residue = score
        if exact < TARGET_EXACT or residue != 0:
            failures.append(f"dev set exact={exact:.3f} residue={residue}")
    if not args.skip_adversarial and not adversarial(args.adversarial_mb, args.timeout):
        failures.append("adversarial input over the time bound or crashed")
    print("FAIL: " + "; ".join(failures) if failures else "all targets met")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
