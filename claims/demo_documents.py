"""Sample claim documents for the demonstration data, drawn to look like what families hand in:
a phone photo of the ID card and of the bank card (JPEG), and scans of the hospital's discharge
summary, a death certificate and a notarial certificate of heirship (PDF of a scanned page).
Chinese file names; every one carries a large 样本 mark, so none can pass for a real document.
Drawn with Pillow in a few milliseconds each (a WeasyPrint PDF per document took a third of a
second, and scans are what officers upload)."""

import functools
import io
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_FOLDERS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"))
INK, GREY, RED = (30, 30, 40), (110, 110, 120), (200, 30, 30)


@functools.cache
def _font(family: str, weight: str, size: int) -> ImageFont.FreeTypeFont:
    """Noto Sans/Serif CJK SC from Debian's fonts-noto-cjk (a .ttc holding several languages)."""
    for folder in FONT_FOLDERS:
        path = folder / f"Noto{family}CJK-{weight}.ttc"
        if path.exists():
            for index in range(10):
                font = ImageFont.truetype(str(path), size, index=index)
                if font.getname()[0] == f"Noto {family} CJK SC":
                    return font
    raise RuntimeError("Noto CJK fonts not found: apt-get install fonts-noto-cjk (scripts/run does).")


def sans(size: int, bold: bool = False):
    return _font("Sans", "Bold" if bold else "Regular", size)


def serif(size: int, bold: bool = False):
    return _font("Serif", "Bold" if bold else "Regular", size)


@functools.cache
def _sample_layer(width: int, height: int) -> Image.Image:
    """A large diagonal 样本 (and 演示数据), drawn once per size."""
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = width // 5
    draw.text((width // 2, height // 2), "样本", font=sans(size, bold=True), fill=(*RED, 70), anchor="mm")
    draw.text((width // 2, height // 2 + size), "演示数据 不可作为真实材料", font=sans(size // 5),
              fill=(*RED, 110), anchor="mm")
    return layer.rotate(25, center=(width // 2, height // 2))


def _marked(image: Image.Image) -> Image.Image:
    return Image.alpha_composite(image.convert("RGBA"), _sample_layer(*image.size)).convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=78)
    return out.getvalue()


def _scan(page: Image.Image) -> bytes:
    """A page as a colour scanner delivers it (the red seal shows), as one page of a PDF."""
    out = io.BytesIO()
    page.save(out, "PDF", resolution=100.0, quality=75)
    return out.getvalue()


def long_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Patient:
    name: str
    sex: str            # "男" / "女"
    birth_date: date
    id_number: str
    address: str


# Each document is drawn on a template made once (its fixed words and the 样本 mark), then gets
# the person's own details: text is what costs (a tenth of a second for a whole page).
DESK = (120, 100, 80)
LABEL = (60, 110, 160)


@functools.cache
def _id_card_template() -> Image.Image:
    card = Image.new("RGB", (856, 540), (236, 242, 246))
    draw = ImageDraw.Draw(card)
    for y in range(0, 540, 6):                      # the card's fine background pattern
        draw.line([(0, y), (856, y + 40)], fill=(226, 234, 240))
    for (x, y), text in (((60, 60), "姓名"), ((60, 125), "性别"), ((240, 125), "民族"), ((60, 190), "出生"),
                         ((60, 255), "住址"), ((60, 440), "公民身份号码")):
        draw.text((x, y), text, font=sans(24), fill=LABEL)
    draw.text((320, 117), "汉", font=sans(30), fill=INK)
    draw.rounded_rectangle((600, 70, 800, 330), radius=8, fill=(205, 215, 225))   # the photo
    draw.ellipse((650, 110, 750, 210), fill=(170, 180, 190))
    draw.rounded_rectangle((625, 220, 775, 330), radius=40, fill=(170, 180, 190))
    return _marked(card)


def _on_desk(card: Image.Image, rng: random.Random) -> bytes:
    """A card photographed on a desk, not quite straight."""
    photo = Image.new("RGB", (1000, 680), DESK)
    photo.paste(card.rotate(rng.uniform(-3, 3), expand=True, fillcolor=DESK), (60, 50))
    return _jpeg(photo)


def id_card(person: Patient, rng: random.Random) -> bytes:
    """The front of a second-generation ID card, photographed."""
    card = _id_card_template().copy()
    draw = ImageDraw.Draw(card)
    value = sans(30)
    draw.text((140, 52), person.name, font=value, fill=INK)
    draw.text((140, 117), person.sex, font=value, fill=INK)
    b = person.birth_date
    draw.text((140, 182), f"{b.year}  年  {b.month}  月  {b.day}  日", font=value, fill=INK)
    address = f"北京市通州区{person.address}"
    for i in range(0, len(address), 12):
        draw.text((140, 247 + (i // 12) * 42), address[i:i + 12], font=value, fill=INK)
    draw.text((250, 430), person.id_number, font=sans(36), fill=INK)
    return _on_desk(card, rng)


@functools.cache
def _bank_card_template(bank: str) -> Image.Image:
    card = Image.new("RGB", (856, 540), (22, 104, 74))
    draw = ImageDraw.Draw(card)
    draw.text((50, 40), bank, font=sans(40, bold=True), fill=(255, 255, 255))
    draw.text((50, 100), "借记卡 DEBIT", font=sans(26), fill=(220, 235, 225))
    draw.rounded_rectangle((60, 190, 170, 270), radius=10, fill=(214, 184, 100))   # the chip
    draw.text((680, 440), "银联", font=sans(40, bold=True), fill=(255, 255, 255))
    return _marked(card)


def bank_card(holder: str, bank: str, account: str, rng: random.Random) -> bytes:
    """The front of a debit card in the payee's name, photographed."""
    card = _bank_card_template(bank).copy()
    draw = ImageDraw.Draw(card)
    draw.text((50, 330), " ".join(account[i:i + 4] for i in range(0, len(account), 4)), font=sans(44),
              fill=(255, 255, 255))
    draw.text((50, 430), holder, font=sans(32), fill=(255, 255, 255))
    return _on_desk(card, rng)


def _lines(draw, x: int, y: int, lines: list[str], size: int = 20, step: int = 38) -> int:
    for line in lines:
        if line:
            draw.text((x, y), line, font=serif(size), fill=INK)
        y += step
    return y


def _stamp(draw, centre: tuple[int, int], text: str) -> None:
    """A round red seal with the issuer's name."""
    x, y = centre
    draw.ellipse((x - 85, y - 85, x + 85, y + 85), outline=RED, width=5)
    draw.text((x, y - 20), "★", font=sans(34), fill=RED, anchor="mm")
    draw.text((x, y + 30), text, font=sans(18, bold=True), fill=RED, anchor="mm")


@functools.cache
def _page(title: str, issuer: str, lines: tuple[str, ...], stamp_at: int, stamp: str) -> Image.Image:
    """An A4 page at 100 dpi with its fixed words; empty lines are filled in per person."""
    page = Image.new("RGB", (827, 1169), (250, 250, 247))
    draw = ImageDraw.Draw(page)
    if issuer:
        draw.text((413, 70), issuer, font=serif(34, bold=True), fill=INK, anchor="mm")
    draw.text((413, 125 if issuer else 85), title, font=serif(30 if issuer else 32, bold=True), fill=INK, anchor="mm")
    if issuer:
        draw.line((60, 160, 767, 160), fill=INK, width=2)
    _lines(draw, 60, 180, list(lines))
    _stamp(draw, (620, stamp_at), stamp)
    return _marked(page)


SUMMARY_LINES = ("", "", "", "", "", "入院情况：患者因症状加重由家属陪同入院，神志清楚，生命体征平稳。",
                 "诊疗经过：入院后完善血常规、生化、影像等检查，予对症支持治疗，",
                 "          病情逐渐好转，经上级医师查房同意出院。", "", "出院情况：一般情况可，无明显不适。",
                 "出院医嘱：1. 注意休息，清淡饮食；2. 按时服药；", "          3. 两周后门诊复查，如有不适随时就诊。")


def discharge_summary(*, patient: Patient, hospital: str, admitted: date, discharged: date, diagnosis: str,
                      age: int, rng: random.Random) -> bytes:
    """出院小结 of a general hospital, signed by the attending doctor and stamped."""
    page = _page("出 院 小 结", hospital, SUMMARY_LINES, 720, hospital[:8]).copy()
    draw = ImageDraw.Draw(page)
    department = rng.choice(["老年医学科", "呼吸内科", "心内科", "神经内科", "骨科"])
    _lines(draw, 60, 180, [
        f"姓名：{patient.name}    性别：{patient.sex}    年龄：{age}岁    住院号：{rng.randint(100000, 999999)}",
        f"入院日期：{long_date(admitted)}    出院日期：{long_date(discharged)}",
        f"住院天数：{max((discharged - admitted).days, 1)}天    科室：{department}", "",
        f"入院诊断：{diagnosis}", "", "", "", f"出院诊断：{diagnosis}", "", "", "", "",
        f"主治医师：{rng.choice('王李张刘陈杨赵')}{rng.choice(['建华', '文静', '海燕', '志强'])}",
        f"日    期：{long_date(discharged)}"])
    return _scan(page)


def death_certificate(*, patient: Patient, died: date, hospital: str, rng: random.Random) -> bytes:
    """居民死亡医学证明（推断）书, the part kept by the family."""
    page = _page("居民死亡医学证明（推断）书", "", ("",) * 5 + ("根本死亡原因：疾病",), 560, hospital[:8]).copy()
    draw = ImageDraw.Draw(page)
    draw.text((413, 125), f"编号：{rng.randint(10**9, 10**10 - 1)}", font=serif(18), fill=GREY, anchor="mm")
    _lines(draw, 60, 180, [
        f"死者姓名：{patient.name}    性别：{patient.sex}    民族：汉",
        f"身份证件号码：{patient.id_number}",
        f"出生日期：{long_date(patient.birth_date)}    死亡日期：{long_date(died)}",
        f"死亡地点：医疗卫生机构（{hospital}）",
        f"常住地址：北京市通州区{patient.address}", "", "", "",
        f"医师签名：{rng.choice('王李张刘')}医生", f"填报日期：{long_date(died)}"])
    return _scan(page)


def heirship_certificate(*, patient: Patient, heir: str, died: date, rng: random.Random) -> bytes:
    """公证书 on the heirs of the deceased, from the district notary office."""
    page = _page("公  证  书", "", ("", "", "", "", "公证事项：继承权"), 640, "通州区公证处").copy()
    draw = ImageDraw.Draw(page)
    draw.text((640, 140), f"（{died.year}）京通州证字第{rng.randint(1000, 9999)}号", font=serif(18), fill=INK, anchor="mm")
    _lines(draw, 60, 180, [
        f"申请人：{heir}",
        f"被继承人：{patient.name}，{patient.sex}，{long_date(patient.birth_date)}出生，",
        f"          于{long_date(died)}死亡。", "", "",
        f"    经查，被继承人{patient.name}的法定继承人为{heir}，其他法定继承人",
        "已先于被继承人死亡。被继承人生前住院护理补贴保险金由上述继承人继承。", "", "",
        "                                 中华人民共和国北京市通州区公证处",
        f"                                 公证员：{rng.choice('王李张刘')}明",
        f"                                 {long_date(died)}"])
    return _scan(page)
