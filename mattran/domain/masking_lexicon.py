"""The words the personal-data detector reads around a span, folded (lower case, no diacritics).

Surnames and given names tell a person's name from other words when a text is typed without diacritics;
honorifics, titles and place words say what follows; the administrative map's names (current and former units)
tell a place from a person named like it (``Hà Nam``, ``Phan Thiết``).
"""

from __future__ import annotations

from functools import cache

from mattran.domain.text import fold

SURNAMES = frozenset("""
nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly dinh trinh truong lam mai dao ha cao luu
luong quach ta chu kieu tong thai doan lai trieu ton mac vuong khuat tang giang khuc ninh kim lu nong lo hua
thach diep dam tieu ung bach cu phung tat tiet lieu la au van quan chau yen tu vi luc phi giang sung thao vang lau
mua hau cam be ma deo sam luong quang to
""".split())

# Surnames that are also everyday words: in lower-case text they start a name only before a middle name.
AMBIGUOUS_SURNAMES = frozenset("""
do ha la lam mai cao chu ta tong thai van lo ho quan kim tu cu lai au lu yen vang mua hau cam be ma sam
quang phi to vi
""".split())

MIDDLE_NAMES = frozenset("""
van thi duc huu minh quoc ngoc thanh kim xuan hong dinh cong quang anh tuan dang bao gia thu thuy phuong
hoai hai manh trong dinh khac ba viet tien trung the chi my dieu nhu tuyet bich
""".split())

GIVEN_NAMES = frozenset("""
an anh bao binh bich cam canh chau chi chien chinh cong cuong dai dan dao dat diem diep dieu dinh doan dong du
duc dung dung duong duy giang giao ha hai han hang hanh hao hau hien hieu hoa hoai hoan hoang hong hue hung huong
huy huyen kha khai khang khanh khoa khoi khuong kien kieu lam lan lanh lien linh loan loc loi long luan luong ly
mai manh minh my nam nga ngan nghia ngoc nguyet nhan nhi nhung nhu oanh phat phong phu phuc phuong quan quang que
quy quyen quynh sang sinh son tai tam tan tang thai thang thanh thao thinh tho thom thu thuan thuc thuy thuong
tien tin tinh toan toan trang tri trinh trung truong tu tuan tung tuyen tuyet uyen van viet vinh vu xuan yen
hau giap luc my ngan nhat phi sy thach thien to trieu tuong van vy hue dao
""".split())

HONORIFICS = frozenset("""
ong ba anh chi chau em co chu bac cu di thim mo bo me cha vo chong con cau
""".split())
# The same, as written with diacritics: in a text with diacritics "Bắc" or "có" is no honorific.
HONORIFICS_MARKED = frozenset("""
ông bà anh chị cháu em cô chú bác cụ dì thím mợ bố mẹ cha vợ chồng con cậu bé
""".split())
SURNAMES_MARKED = frozenset("""
nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh trịnh trương lâm mai đào hà cao lưu
lương quách tạ chu kiều tống thái đoàn lại triệu tôn mạc vương khuất tăng giang khúc ninh kim lữ lư nông lò hứa
thạch diệp đàm tiêu ứng bạch cù phùng tất tiết liêu la âu văn quan châu yên từ vi lục phí giàng sùng thào vàng
lầu mùa hầu lường quàng cầm bế ma đèo sầm tô
""".split())
# Multi-word cues after which a name follows (folded, single spaces).
_KIN = ("vo", "chong", "con", "con gai", "con trai", "me", "bo", "cha", "em", "em gai", "em trai", "anh trai",
        "chi gai", "chau", "chau gai", "chau trai", "ong noi", "ba noi", "ong ngoai", "ba ngoai")
# "vợ tôi", "con gái mình": a capitalised name may follow.
KIN_CUES = tuple(f"{kin} {me}" for kin in _KIN for me in ("toi", "minh"))
NAME_CUES = ("toi la", "toi ten la", "ten toi la", "ten la", "ho ten", "ho va ten", "nguoi ten", "em la", "chau la",
             "dong chi", "d c", "ong ba", "nguoi gui", "nguoi lam don", "nguoi khieu nai", "nguoi to cao", "gap",
             "ten")

# Single words before a capitalised name that make it a place, an institution or a road, not a person
# (phrases such as "nhà văn hóa" are in ``PLACE_PHRASES``).
PLACE_WORDS = frozenset("""
duong pho ngo ngach hem kiet truong thcs thpt ptth xa phuong quan huyen tinh thon ap ban xom khu cau cho song nui
lang den chua ben cang san ga tp tt ubnd hdnd mttq cum khom khoi bv bvdk tram vien hoi kp tdp dai
""".split())
# The same, as written with diacritics: in a text with diacritics "đến" or "bạn" is no place word.
PLACE_WORDS_MARKED = frozenset("""
đường phố ngõ ngách hẻm kiệt trường thcs thpt ptth xã phường quận huyện tỉnh thôn ấp bản xóm khu cầu chợ sông núi
làng lăng đền chùa bến cảng sân ga tp tt ubnd hđnd mttq cụm khóm khối bv bvđk trạm viện hội kp tdp đài
""".split())
PLACE_PHRASES = ("tieu hoc", "mam non", "dai hoc", "cao dang", "nha van hoa", "thanh pho", "thi xa", "thi tran",
                 "benh vien", "tram y te", "quang truong", "cong vien", "nha thieu nhi", "to dan pho", "khu pho",
                 "cong ty", "hop tac xa", "nghia trang", "sieu thi", "tuong dai", "dai lo", "quoc lo", "tinh lo",
                 "chung cu", "khu cong nghiep", "cum cong nghiep", "trung tam", "nha may", "ben xe", "nha tho")
# Organisations: a name never starts with them (the word after them may still be a person's name).
ORG_PHRASES = ("uy ban", "ban thuong truc", "hoi dong", "mat tran", "hoi nong dan", "hoi phu nu", "cuu chien binh",
               "doan thanh nien", "cong doan", "chi bo", "dang uy", "toa an", "vien kiem sat", "ngan hang",
               "quoc hoi", "chinh phu", "bo chinh tri")

# Names of people everyone knows (leaders, heroes): never masked.
PUBLIC_FIGURES = frozenset(fold(n) for n in (
    "Hồ Chí Minh", "Bác Hồ", "Võ Nguyên Giáp", "Trần Hưng Đạo", "Lê Lợi", "Nguyễn Trãi", "Nguyễn Du", "Lý Thường Kiệt",
    "Quang Trung", "Hai Bà Trưng", "Bà Triệu", "Nguyễn Huệ", "Lê Duẩn", "Tôn Đức Thắng", "Phạm Văn Đồng",
    "Nguyễn Văn Linh", "Võ Văn Kiệt", "Trường Chinh", "Lê Thánh Tông", "Chu Văn An", "Nguyễn Thị Minh Khai",
    "Võ Thị Sáu", "Lê Quý Đôn", "Nguyễn Đình Chiểu", "Phan Bội Châu", "Phan Chu Trinh", "Trần Phú", "Lý Tự Trọng",
    "Kim Đồng", "Nguyễn Chí Thanh", "Hoàng Hoa Thám", "Ngô Quyền", "Đinh Tiên Hoàng", "Lý Thái Tổ",
))

# Function words: a lower-case place name after "thôn", "đường"… never runs through them.
NAME_BREAKS = frozenset("""
la o va co khong da dang se bi duoc cho voi tai tu den cua nen thi nhung ma rat lam gay trong ngoai truoc sau
gan canh nay do kia ay vay roi cung deu hay hoac neu vi de ve ra vao len xuong phuong xa huyen tinh quan
""".split())

# Words that end a name typed in lower case without diacritics (and never are one).
STOPWORDS = frozenset("""
la o va co khong da dang se bi duoc cho voi tai tu den cua nen thi nhung ma rat lam gay trong ngoai truoc sau
gan canh nay do kia ay nhe a u da vay roi con moi cung deu chi hay hoac neu vi nen de ve ra vao len xuong
sdt dt so dien thoai email mail nha dia chi xin kinh gui ung ho phan anh kien nghi don viec nam thang ngay
ho dan nguoi xa phuong thon xom to ap huyen tinh quan ban can bo chu tich ong ba anh chi em chau ca hai mot
hai ba bon nam sau bay tam chin muoi tram nghin trieu ty dong tien dat nuoc duong ngo hem pho sinh tuoi cccd
cmnd stk tk tai khoan ngan hang the cua toi minh chung ta chung toi ho gia dinh vo chong con
""".split())


@cache
def place_names() -> frozenset[str]:
    """Folded names of the current and former provinces, districts and communes (``ha noi``, ``hoa binh``)."""
    from vietnamadminunits.database import get_data

    names: set[str] = set()
    for row in get_data(fields=["provinceShort", "wardShort"], table="admin_units"):
        names.update(fold(row[k]) for k in ("provinceShort", "wardShort") if row[k])
    for row in get_data(fields=["province", "district", "ward"], table="admin_units_legacy"):
        for value in (row["province"], row["district"], row["ward"]):
            if value:
                words = fold(value).split()
                for prefix in (["thanh", "pho"], ["thi", "xa"], ["thi", "tran"], ["tinh"], ["quan"], ["huyen"],
                               ["xa"], ["phuong"]):
                    if words[:len(prefix)] == prefix:
                        words = words[len(prefix):]
                        break
                names.add(" ".join(words))
    return frozenset(n for n in names if n and not n.isdigit())
