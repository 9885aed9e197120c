"""Demo checklists (一次性告知) for the five demo business types, written for Counter."""

from __future__ import annotations

from typing import TypedDict


class DemoItem(TypedDict):
    group: str  # the citizen's situation, e.g. "外省迁入"; "" when the item applies to everyone
    group_en: str
    name: str  # the document, e.g. "居民户口簿"
    name_en: str
    form: str  # exactly one of "original", "copy", "original_and_copy"
    copies: int  # how many (>= 1)
    notes: str  # short practical note, may be ""
    notes_en: str
    where: str  # where or how to get it if missing, e.g. "向原户籍地派出所申请开具", may be "" for obvious ones
    where_en: str


class DemoChecklist(TypedDict):
    conditions: str  # 受理条件, one condition per line ("\n"-separated), 2–4 lines
    conditions_en: str  # same number of lines, same order
    steps: str  # 办理流程, one step per line, 3–5 lines
    steps_en: str
    fees: str  # 收费标准, e.g. "免费" or "工本费20元（…）"
    fees_en: str
    time_limit: str  # 办理时限, e.g. "材料齐全的当场办结" / "自受理之日起7个工作日内"
    time_limit_en: str
    legal_basis: str  # 办理依据, laws/regulations named in general terms
    legal_basis_en: str
    notes: str  # 温馨提示, free notes, 1–3 lines
    notes_en: str
    items: list[DemoItem]  # 4–9 items; items of the same group consecutive, the "" group first


CHECKLISTS: dict[str, DemoChecklist] = {
    # ------------------------------------------------------------------ A: 户口迁移
    "A": {
        "conditions": (
            "在本市有合法稳定住所，或符合本市落户政策\n"
            "迁入地址为本人或直系亲属的合法产权住房，或单位、社区集体户\n"
            "外省迁入的，已取得准予迁入证明或户口迁移证（实行电子迁移的除外）"
        ),
        "conditions_en": (
            "You have a lawful, stable home in the city, or meet the city's settlement policy\n"
            "The new address is a home owned by you or a close relative, or a work-unit or community collective\n"
            "From another province: an approval-to-move-in or migration certificate (not needed for e-transfer)"
        ),
        "steps": (
            "取号后到户籍窗口提交材料，填写户口迁移申请表\n"
            "民警核验原件、审核材料，符合条件的当场受理\n"
            "跨省迁移的，由本所发起电子迁移或开具准予迁入证明\n"
            "办理落户，在户口簿上登记新住址\n"
            "本人核对户口簿信息无误后签字领取"
        ),
        "steps_en": (
            "Take a number and hand in your documents at the registration window; fill in the transfer form\n"
            "The officer checks the originals; eligible applications are accepted on the spot\n"
            "For moves between provinces, this station starts an e-transfer or issues an approval certificate\n"
            "Your registration is entered and the new address is recorded in the household register\n"
            "Check the details in the register, sign and collect it"
        ),
        "fees": "免费",
        "fees_en": "Free",
        "time_limit": "本市迁移材料齐全的当场办结；跨省迁移自受理之日起10个工作日内办结",
        "time_limit_en": "Moves within the city: same day if documents are complete; "
        "inter-provincial moves: within 10 working days of acceptance",
        "legal_basis": "《中华人民共和国户口登记条例》；本省户籍管理有关规定及本市落户政策",
        "legal_basis_en": "Regulations of the PRC on Household Registration; provincial household registration rules "
        "and the city's settlement policy",
        "notes": (
            "多名家庭成员一同迁移的，请携带每位成员的身份证件\n"
            "未满16周岁的未成年人须由监护人陪同办理\n"
            "准予迁入证明有有效期，请在有效期内办理落户"
        ),
        "notes_en": (
            "If several family members are moving, bring the ID of each of them\n"
            "Children under 16 must be accompanied by a guardian\n"
            "The approval-to-move-in certificate expires; complete the registration before it does"
        ),
        "items": [
            {
                "group": "",
                "group_en": "",
                "name": "居民身份证",
                "name_en": "Resident identity card",
                "form": "original",
                "copies": 1,
                "notes": "迁移人本人的；未满16周岁未领证的可不提供",
                "notes_en": "Of the person moving; not needed for children under 16 who have no card",
                "where": "遗失的请先在身份证窗口申请补领",
                "where_en": "If lost, apply for a replacement at the ID card window first",
            },
            {
                "group": "",
                "group_en": "",
                "name": "户口迁移申请表",
                "name_en": "Household transfer application form",
                "form": "original",
                "copies": 1,
                "notes": "由迁移人或监护人签名",
                "notes_en": "Signed by the person moving or their guardian",
                "where": "在窗口领取，现场填写",
                "where_en": "Available at the window; fill it in on site",
            },
            {
                "group": "本市迁入",
                "group_en": "Moving within the city",
                "name": "迁出地居民户口簿",
                "name_en": "Household register of the current address",
                "form": "original",
                "copies": 1,
                "notes": "",
                "notes_en": "",
                "where": "户口簿遗失的，先到原户籍地派出所补领",
                "where_en": "If lost, get a replacement from the police station of your current registration",
            },
            {
                "group": "本市迁入",
                "group_en": "Moving within the city",
                "name": "不动产权证书（房产证）",
                "name_en": "Property ownership certificate",
                "form": "original_and_copy",
                "copies": 1,
                "notes": "迁入集体户的，改为提供单位或社区同意接收的证明",
                "notes_en": "For a collective household, bring an acceptance letter from the work unit or community",
                "where": "遗失的向不动产登记中心申请补发",
                "where_en": "If lost, apply to the real estate registration centre for a replacement",
            },
            {
                "group": "外省迁入",
                "group_en": "Moving in from another province",
                "name": "准予迁入证明或户口迁移证",
                "name_en": "Approval-to-move-in certificate or migration certificate",
                "form": "original",
                "copies": 1,
                "notes": "已实行电子迁移的地区无须提供纸质迁移证",
                "notes_en": "Not needed on paper where the e-transfer scheme applies",
                "where": "准予迁入证明由本所开具；户口迁移证向原户籍地派出所申请",
                "where_en": "The approval certificate is issued here; "
                "the migration certificate by your original police station",
            },
            {
                "group": "外省迁入",
                "group_en": "Moving in from another province",
                "name": "合法稳定住所证明（房产证或购房合同）",
                "name_en": "Proof of a lawful home (property certificate or purchase contract)",
                "form": "original_and_copy",
                "copies": 1,
                "notes": "购房合同须已网签备案",
                "notes_en": "A purchase contract must be registered online",
                "where": "可到不动产登记中心查询打印",
                "where_en": "Can be printed at the real estate registration centre",
            },
            {
                "group": "投靠亲属",
                "group_en": "Joining relatives",
                "name": "被投靠人居民户口簿",
                "name_en": "Household register of the relative you are joining",
                "form": "original",
                "copies": 1,
                "notes": "",
                "notes_en": "",
                "where": "",
                "where_en": "",
            },
            {
                "group": "投靠亲属",
                "group_en": "Joining relatives",
                "name": "亲属关系证明（结婚证、出生医学证明等）",
                "name_en": "Proof of relationship (marriage certificate, birth certificate, etc.)",
                "form": "original_and_copy",
                "copies": 1,
                "notes": "户口簿已能体现关系的可不提供",
                "notes_en": "Not needed if the household register already shows the relationship",
                "where": "结婚证遗失的向婚姻登记机关申请补领",
                "where_en": "A lost marriage certificate can be reissued by the marriage registry",
            },
            {
                "group": "投靠亲属",
                "group_en": "Joining relatives",
                "name": "户主同意落户的书面意见",
                "name_en": "Written consent of the head of household",
                "form": "original",
                "copies": 1,
                "notes": "户主本人签名；户主不能到场的附其身份证复印件",
                "notes_en": "Signed by the head of household; attach a copy of their ID if they cannot come",
                "where": "可在窗口领取样表",
                "where_en": "A template is available at the window",
            },
        ],
    },
    # ------------------------------------------------------------------ B: 居民身份证
    "B": {
        "conditions": ("具有本市常住户口的中国公民\n首次申领、有效期满换领、登记项目变更，或证件损坏、遗失的"),
        "conditions_en": (
            "Chinese citizens with permanent household registration in this city\n"
            "First application, renewal on expiry, change of registered details, or a damaged or lost card"
        ),
        "steps": (
            "取号后到身份证窗口，民警核对户口信息\n"
            "现场拍摄人像照片并采集指纹\n"
            "核对申领登记表并签字，缴纳工本费\n"
            "制证完成后凭回执领取，也可选择邮寄送达"
        ),
        "steps_en": (
            "Take a number and go to the ID card window; the officer checks your registration\n"
            "Your photo and fingerprints are taken on site\n"
            "Check and sign the application form, then pay the fee\n"
            "Collect the card with your receipt when it is ready, or have it posted to you"
        ),
        "fees": "首次申领、到期换领工本费20元；补领、损坏换领工本费40元；现场拍照费另计（以大厅公示为准）",
        "fees_en": "First card or renewal: 20 yuan; replacement of a lost or damaged card: 40 yuan; "
        "photo fee extra (see the price list in the hall)",
        "time_limit": "自受理之日起15个工作日内制发",
        "time_limit_en": "Issued within 15 working days of acceptance",
        "legal_basis": "《中华人民共和国居民身份证法》及公安机关居民身份证管理有关规定",
        "legal_basis_en": "Resident Identity Card Law of the PRC and related public security regulations",
        "notes": (
            "拍照请勿穿白色或浅色上衣，不戴帽子、头饰和有色眼镜\n"
            "未满16周岁的须由监护人陪同办理\n"
            "补领期间急需用证的，可同时申请临时居民身份证（工本费10元）"
        ),
        "notes_en": (
            "For the photo, avoid white or pale tops, hats, headwear and tinted glasses\n"
            "Children under 16 must be accompanied by a guardian\n"
            "If you need ID while waiting for a replacement, ask for a temporary ID card (10 yuan)"
        ),
        "items": [
            {
                "group": "",
                "group_en": "",
                "name": "居民户口簿",
                "name_en": "Household register",
                "form": "original",
                "copies": 1,
                "notes": "本人页信息有误的，请先办理户口信息更正",
                "notes_en": "If your page has errors, have the registration corrected first",
                "where": "遗失的请先在户籍窗口申请补领",
                "where_en": "If lost, apply for a replacement at the registration window first",
            },
            {
                "group": "",
                "group_en": "",
                "name": "人像照片",
                "name_en": "ID photo",
                "form": "original",
                "copies": 1,
                "notes": "须在现场拍摄，收取拍照费",
                "notes_en": "Must be taken on site; a photo fee applies",
                "where": "可在本大厅拍照室或自助拍照机拍摄",
                "where_en": "Use the photo room or the self-service photo booth in this hall",
            },
            {
                "group": "首次申领",
                "group_en": "First application",
                "name": "监护人居民身份证",
                "name_en": "Guardian's identity card",
                "form": "original",
                "copies": 1,
                "notes": "申领人未满16周岁的提供",
                "notes_en": "If the applicant is under 16",
                "where": "",
                "where_en": "",
            },
            {
                "group": "换领/补领",
                "group_en": "Renewal / replacement",
                "name": "原居民身份证",
                "name_en": "Current identity card",
                "form": "original",
                "copies": 1,
                "notes": "换领的须交回旧证；遗失补领的无须提供",
                "notes_en": "Hand in the old card when renewing; not needed if it was lost",
                "where": "",
                "where_en": "",
            },
            {
                "group": "换领/补领",
                "group_en": "Renewal / replacement",
                "name": "登记项目变更证明",
                "name_en": "Proof of change of registered details",
                "form": "original",
                "copies": 1,
                "notes": "姓名、出生日期等已变更的提供",
                "notes_en": "If your name, date of birth or other details have changed",
                "where": "向户籍地派出所申请开具",
                "where_en": "Issued by the police station where you are registered",
            },
        ],
    },
    # ------------------------------------------------------------------ C: 出生登记
    "C": {
        "conditions": (
            "新生儿父亲或母亲一方为本所辖区常住户口\n"
            "婴儿出生后一个月内，由父母、户主或监护人申报\n"
            "随父或随母落户由父母自愿选择"
        ),
        "conditions_en": (
            "At least one parent has permanent household registration in this station's area\n"
            "Registration within one month of birth, by a parent, the head of household or a guardian\n"
            "The parents choose whether the child is registered with the father or the mother"
        ),
        "steps": (
            "取号后到户籍窗口提交材料，填写出生登记申报表\n"
            "民警核验出生医学证明等原件\n"
            "为新生儿登记户口、编制公民身份号码\n"
            "在户口簿上增加新生儿页，当场领取"
        ),
        "steps_en": (
            "Take a number, hand in your documents at the registration window and fill in the birth form\n"
            "The officer checks the birth certificate and other originals\n"
            "The baby is registered and given a citizen ID number\n"
            "A page for the baby is added to the household register, ready on the spot"
        ),
        "fees": "免费",
        "fees_en": "Free",
        "time_limit": "材料齐全的当场办结",
        "time_limit_en": "Same day if the documents are complete",
        "legal_basis": "《中华人民共和国户口登记条例》；出生医学证明管理有关规定",
        "legal_basis_en": "Regulations of the PRC on Household Registration; rules on the Medical Certificate of Birth",
        "notes": (
            "请提前确定新生儿姓名，登记后变更需另行申请\n"
            "出生医学证明与父母证件信息不一致的，请先到出生医院更正\n"
            "超过一个月申报的仍可办理，请一并说明逾期原因"
        ),
        "notes_en": (
            "Decide on the baby's name in advance; changing it later needs a separate application\n"
            "If the birth certificate does not match the parents' IDs, have the hospital correct it first\n"
            "Late registration is still possible; please explain the reason for the delay"
        ),
        "items": [
            {
                "group": "",
                "group_en": "",
                "name": "出生医学证明",
                "name_en": "Medical Certificate of Birth",
                "form": "original",
                "copies": 1,
                "notes": "须为原件，复印件无效",
                "notes_en": "Original only; copies are not accepted",
                "where": "向出生医院申领",
                "where_en": "Issued by the hospital where the baby was born",
            },
            {
                "group": "",
                "group_en": "",
                "name": "父母双方居民身份证",
                "name_en": "Identity cards of both parents",
                "form": "original",
                "copies": 1,
                "notes": "父母双方的均需携带",
                "notes_en": "Bring both parents' cards",
                "where": "",
                "where_en": "",
            },
            {
                "group": "",
                "group_en": "",
                "name": "落户方居民户口簿",
                "name_en": "Household register of the parent the baby joins",
                "form": "original",
                "copies": 1,
                "notes": "随父落户的带父亲的户口簿，随母落户的带母亲的",
                "notes_en": "The father's register if the baby joins the father, the mother's if the mother",
                "where": "",
                "where_en": "",
            },
            {
                "group": "",
                "group_en": "",
                "name": "出生登记申报表",
                "name_en": "Birth registration form",
                "form": "original",
                "copies": 1,
                "notes": "",
                "notes_en": "",
                "where": "在窗口领取，现场填写",
                "where_en": "Available at the window; fill it in on site",
            },
            {
                "group": "婚内生育",
                "group_en": "Parents married",
                "name": "结婚证",
                "name_en": "Marriage certificate",
                "form": "original_and_copy",
                "copies": 1,
                "notes": "",
                "notes_en": "",
                "where": "遗失的向婚姻登记机关申请补领",
                "where_en": "If lost, ask the marriage registry for a replacement",
            },
            {
                "group": "非婚生育",
                "group_en": "Parents not married",
                "name": "非婚生育情况说明",
                "name_en": "Statement on birth outside marriage",
                "form": "original",
                "copies": 1,
                "notes": "由落户方签名，写明子女抚养意见",
                "notes_en": "Signed by the registering parent, stating who will raise the child",
                "where": "可在窗口领取样表",
                "where_en": "A template is available at the window",
            },
            {
                "group": "非婚生育",
                "group_en": "Parents not married",
                "name": "亲子鉴定意见书",
                "name_en": "Paternity test report",
                "form": "original",
                "copies": 1,
                "notes": "随父落户的提供",
                "notes_en": "Needed if the baby is registered with the father",
                "where": "到具备司法鉴定资质的机构办理",
                "where_en": "From an accredited forensic testing institution",
            },
        ],
    },
    # ------------------------------------------------------------------ D: 居住证
    "D": {
        "conditions": (
            "离开常住户口所在地，已在本市办理居住登记并居住满半年\n"
            "有合法稳定就业、合法稳定住所、连续就读三项条件之一\n"
            "未满16周岁或行动不便的，可由监护人或近亲属代为申领"
        ),
        "conditions_en": (
            "You live away from your home registration, registered your residence here and have lived here 6+ months\n"
            "You have one of: lawful stable employment, a lawful stable home, or continuous study\n"
            "Guardians or close relatives may apply for children under 16 or people with limited mobility"
        ),
        "steps": (
            "取号后到户籍窗口提交材料，填写居住证申领登记表\n"
            "民警核验材料，现场采集人像照片\n"
            "符合条件的予以受理，出具受理回执\n"
            "凭受理回执到窗口领取居住证"
        ),
        "steps_en": (
            "Take a number, hand in your documents at the registration window and fill in the application form\n"
            "The officer checks your documents and takes your photo\n"
            "Eligible applications are accepted and you get a receipt\n"
            "Collect the residence permit at the window with your receipt"
        ),
        "fees": "首次申领免费；换领、补领工本费20元",
        "fees_en": "First application free; renewal or replacement: 20 yuan",
        "time_limit": "自受理之日起15日内发放",
        "time_limit_en": "Issued within 15 days of acceptance",
        "legal_basis": "《居住证暂行条例》及本省居住证管理有关规定",
        "legal_basis_en": "Interim Regulations on Residence Permits and provincial rules on residence permits",
        "notes": (
            "居住证每年签注一次，请在有效期满前一个月内办理签注\n居住地址变更的，请及时到新住址所在地派出所办理变更"
        ),
        "notes_en": (
            "The permit must be endorsed every year; do it in the month before it expires\n"
            "If you move, update your address at the police station for your new home"
        ),
        "items": [
            {
                "group": "",
                "group_en": "",
                "name": "居民身份证",
                "name_en": "Resident identity card",
                "form": "original_and_copy",
                "copies": 1,
                "notes": "",
                "notes_en": "",
                "where": "",
                "where_en": "",
            },
            {
                "group": "",
                "group_en": "",
                "name": "人像照片",
                "name_en": "ID photo",
                "form": "original",
                "copies": 1,
                "notes": "近期免冠白底照片，也可现场拍摄",
                "notes_en": "Recent, bareheaded, white background; can also be taken here",
                "where": "可在本大厅自助拍照机拍摄",
                "where_en": "Use the self-service photo booth in this hall",
            },
            {
                "group": "租房居住",
                "group_en": "Renting",
                "name": "房屋租赁合同",
                "name_en": "Tenancy agreement",
                "form": "original_and_copy",
                "copies": 1,
                "notes": "租期一般需半年以上",
                "notes_en": "Normally for a term of at least six months",
                "where": "可到房屋所在地社区办理租赁登记备案",
                "where_en": "Can be registered with the community office where the home is",
            },
            {
                "group": "租房居住",
                "group_en": "Renting",
                "name": "出租人房产证及身份证复印件",
                "name_en": "Copies of the landlord's property certificate and ID",
                "form": "copy",
                "copies": 1,
                "notes": "由出租人签名确认",
                "notes_en": "Signed by the landlord",
                "where": "向房东索取",
                "where_en": "Ask your landlord",
            },
            {
                "group": "自有住房",
                "group_en": "Own home",
                "name": "不动产权证书（房产证）",
                "name_en": "Property ownership certificate",
                "form": "original_and_copy",
                "copies": 1,
                "notes": "尚未办证的可提供已备案的购房合同",
                "notes_en": "If not yet issued, a registered purchase contract is accepted",
                "where": "遗失的向不动产登记中心申请补发",
                "where_en": "If lost, apply to the real estate registration centre for a replacement",
            },
            {
                "group": "就业",
                "group_en": "Employed",
                "name": "劳动合同或营业执照",
                "name_en": "Employment contract or business licence",
                "form": "original_and_copy",
                "copies": 1,
                "notes": "个体经营者提供营业执照",
                "notes_en": "Self-employed people bring their business licence",
                "where": "向用人单位人事部门索取",
                "where_en": "Ask your employer's HR department",
            },
            {
                "group": "就业",
                "group_en": "Employed",
                "name": "社会保险缴费证明",
                "name_en": "Social insurance payment record",
                "form": "original",
                "copies": 1,
                "notes": "须显示在本市连续缴纳",
                "notes_en": "Must show continuous payments in this city",
                "where": "可在社保自助机或政务服务APP打印",
                "where_en": "Print it at a social insurance kiosk or from the government services app",
            },
            {
                "group": "就读",
                "group_en": "Studying",
                "name": "学生证或在读证明",
                "name_en": "Student card or proof of enrolment",
                "form": "original",
                "copies": 1,
                "notes": "在读证明须加盖学校公章",
                "notes_en": "Proof of enrolment must bear the school's official seal",
                "where": "向所在学校教务部门申请开具",
                "where_en": "Ask your school's academic affairs office",
            },
        ],
    },
    # ------------------------------------------------------------------ E: 户籍证明
    "E": {
        "conditions": ("本所辖区常住户口人员本人，或其委托的代理人\n所需证明事项属于公安机关户籍管理职责范围"),
        "conditions_en": (
            "Residents registered in this station's area, or a person they authorise\n"
            "The matter to be certified falls within the police's household registration records"
        ),
        "steps": ("取号后到户籍窗口，说明证明用途\n民警查询户籍档案，核实相关信息\n当场出具户籍证明并加盖户口专用章"),
        "steps_en": (
            "Take a number and tell the registration window what the certificate is for\n"
            "The officer checks the household registration records\n"
            "The certificate is issued and stamped on the spot"
        ),
        "fees": "免费",
        "fees_en": "Free",
        "time_limit": "可直接核实的当场出具；需调查核实的自受理之日起5个工作日内出具",
        "time_limit_en": "Same day if the records are clear; within 5 working days if checks are needed",
        "legal_basis": "《中华人民共和国户口登记条例》及公安机关出具户籍证明有关规定",
        "legal_basis_en": "Regulations of the PRC on Household Registration; police rules on registration certificates",
        "notes": (
            "不少事项凭户口簿或电子证照即可证明，请先向用证单位确认是否确需开具\n"
            "委托他人代办的，请提供委托书及双方身份证件"
        ),
        "notes_en": (
            "Many matters can be proved with the household register or an e-licence; ask the requesting body first\n"
            "If someone applies on your behalf, they need a letter of authorisation and both parties' IDs"
        ),
        "items": [
            {
                "group": "",
                "group_en": "",
                "name": "居民身份证",
                "name_en": "Resident identity card",
                "form": "original",
                "copies": 1,
                "notes": "",
                "notes_en": "",
                "where": "",
                "where_en": "",
            },
            {
                "group": "",
                "group_en": "",
                "name": "居民户口簿",
                "name_en": "Household register",
                "form": "original",
                "copies": 1,
                "notes": "",
                "notes_en": "",
                "where": "",
                "where_en": "",
            },
            {
                "group": "",
                "group_en": "",
                "name": "证明用途说明",
                "name_en": "Note on what the certificate is for",
                "form": "original",
                "copies": 1,
                "notes": "写明需证明的事项；用证单位有格式要求的请一并带来",
                "notes_en": "State what must be certified; bring the requesting body's template if it has one",
                "where": "向要求提供证明的单位索取",
                "where_en": "Ask the organisation that requires the certificate",
            },
            {
                "group": "委托代办",
                "group_en": "Applying on someone's behalf",
                "name": "委托书",
                "name_en": "Letter of authorisation",
                "form": "original",
                "copies": 1,
                "notes": "由委托人本人签名",
                "notes_en": "Signed by the person giving authorisation",
                "where": "可在窗口领取样式",
                "where_en": "A template is available at the window",
            },
            {
                "group": "委托代办",
                "group_en": "Applying on someone's behalf",
                "name": "代办人居民身份证",
                "name_en": "Agent's identity card",
                "form": "original",
                "copies": 1,
                "notes": "",
                "notes_en": "",
                "where": "",
                "where_en": "",
            },
        ],
    },
}
