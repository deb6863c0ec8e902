"""What the demo's customers and agents write, per language and topic.

A script is one coherent exchange: the customer's opening (one or a burst of messages), the
agent's first reply (which asks for something), the customer's answer and the agent's
solution. The plan stops a script early to leave a conversation open, pending or snoozed.

Russian customers write [m|f] where the form follows their gender ("оплатил[|а]").
Placeholders: {name} customer's first name, {agent} agent's first name, {order} order
number, {amount} price, {card} last four card digits, {phone}, {email}, {city}, {city_in}
(Russian "в Ташкенте"). Uzbek Latin customer texts are written with a plain ' and get the
customer's own apostrophe habit (o' o‘ oʻ o’ o` or none) when the plan fills them in;
agents write the official oʻ gʻ and ʼ.
"""

from __future__ import annotations

from dataclasses import dataclass

from javob.demo.data import (
    AR,
    COMPLAINT,
    DE,
    DELAY,
    EN,
    KK,
    LOGIN,
    ORDER,
    PAYMENT,
    REFUND,
    RU,
    TG,
    THANKS,
    TR,
    UZ,
    UZ_CYRL,
)


@dataclass(frozen=True, slots=True)
class Script:
    opening: tuple[str, ...]
    ask: str
    answer: str = ""
    solve: str = ""


Scripts = dict[str, tuple[Script, ...]]


def s(*opening: str, ask: str, answer: str = "", solve: str = "") -> Script:
    return Script(opening, ask, answer, solve)


SCRIPTS_UZ: Scripts = {
    ORDER: (
        s(
            "Assalomu alaykum. Buyurtmam qayerda? Raqami {order}, 3 kun oldin to'lagan edim",
            ask="Vaalaykum assalom, {name}! Men {agent}. Buyurtma qaysi telefon raqamiga "
            "rasmiylashtirilganini yozib yuboring, iltimos — tekshirib beraman.",
            answer="{phone} shu raqamga",
            solve="Rahmat! Buyurtmangiz {city}dagi saralash markaziga yetib keldi. Ertaga soat "
            "10:00–18:00 oraligʻida kuryer olib boradi va oldindan qoʻngʻiroq qiladi.",
        ),
        s(
            "Salom",
            'zakazim qachon keladi? {order}. Ilovada 3 kundan beri "yig\'ilmoqda" deb turibdi',
            ask="Assalomu alaykum! Buyurtmangizdagi bitta mahsulot omborda qolmagan ekan. "
            "Borini hozir joʻnataylikmi yoki hammasini birga kutasizmi (2–3 kun)?",
            answer="borini jo'natib yuboring",
            solve="Boʻldi — mavjud mahsulotlar bugun joʻnatiladi, qolgani keyinroq bepul "
            "yetkaziladi. Kuzatish havolasini SMS orqali yubordik.",
        ),
        s(
            "Assalomu alaykum! {order} raqamli buyurtma {city}ga qachon yetib boradi? "
            "Kuryer hali qo'ng'iroq qilmadi",
            ask="Assalomu alaykum! Kuryer kecha siz bilan bogʻlanmoqchi boʻlgan. {phone} "
            "raqami hali ham toʻgʻrimi?",
            answer="ha to'g'ri, ishda edim shekilli",
            solve="Tushundim. Yetkazishni ertaga soat 18:00–21:00 ga koʻchirdik, kuryer bir "
            "soat oldin qoʻngʻiroq qiladi.",
        ),
    ),
    DELAY: (
        s(
            "Assalomu alaykum. 2 kunda yetkazamiz degandingiz, bugun 6-kun. {order}. "
            "Qachongacha kutish kerak? Hech kim javob bermayapti, to'g'risi",
            ask="Kechikish uchun uzr soʻraymiz, {name}. Yetkazib berish manzilingizni toʻliq "
            "yozib yuboring — kuryer xizmati bilan aniqlashtiraman.",
            answer="{city}, Navoiy ko'chasi 48-uy, 7-xonadon",
            solve="Aniqladim: posilka omborda notoʻgʻri saralangan ekan. Bugun qayta "
            "joʻnatildi, ertaga yetkaziladi. Yetkazib berish haqini kartangizga qaytaramiz.",
        ),
        s(
            "nega buyurtmam hali ham kelmadi??",
            "{order} 10 kundan beri kutyapman, kuryer telefonni ko'tarmayapti",
            ask="Shuncha kuttirganimiz uchun uzr. Ertaga qaysi vaqt sizga qulay?",
            answer="kechki 6 dan keyin",
            solve="Kelishildi: ertaga soat 18:00 dan keyin olib borishadi, kuryer bir soat "
            "oldin qoʻngʻiroq qiladi. Kutganingiz uchun hisobingizga 20 000 bonus qoʻshdik.",
        ),
        s(
            "Salom. Dostavka kechikyapti, {order}. Tug'ilgan kunga sovg'a edi, shanbagacha "
            "kerak edi(",
            ask="Tushunamiz, bu muhim. Tezroq boʻlsa, topshirish punktidan olib keta olasizmi?",
            answer="ha bo'ladi, {city}dagi istalgan punkt",
            solve="Ajoyib! Buyurtma {city}dagi topshirish punktiga yoʻnaltirildi, juma kuni "
            "soat 12:00 da tayyor boʻladi. Olish kodi SMS orqali keladi.",
        ),
    ),
    REFUND: (
        s(
            "Assalomu alaykum. Tovarni qaytargandim, 2 hafta bo'ldi, pul hali kartaga "
            "qaytmadi. {order}",
            ask="Assalomu alaykum, {name}! Qaytarish arizangizni koʻryapman. Pul qaysi kartaga "
            "qaytishi kerak — karta raqamining oxirgi 4 ta raqamini yozing, iltimos.",
            answer="oxirgi 4 raqami {card}",
            solve="Rahmat! {amount} kartangizga (*{card}) bugun qaytarildi. Bank odatda 3–5 "
            "ish kunida koʻrsatadi, Humo kartalarida baʼzan 10 kungacha choʻziladi.",
        ),
        s(
            "Pulimni qachon qaytarasizlar? {amount} Humo kartadan yechilgan, buyurtma bekor "
            "qilingan, javob yo'q",
            ask="Uzr soʻraymiz. Pul yechilgani haqidagi SMS skrinshotini yubora olasizmi? "
            "Bankdagi tranzaksiyani topishimiz kerak.",
            answer="skrin tashladim. karta {card}",
            solve="Tranzaksiyani topdik. {amount} qaytarish rasmiylashtirildi, 3 ish kuni "
            "ichida *{card} kartangizga tushadi. Tushmasa, shu chatga yozing.",
        ),
        s(
            "salom, {order} buyurtmani bekor qildim, pulni qaytarish mumkinmi? Uzcard bilan "
            "to'laganman",
            ask="Assalomu alaykum! Bekor qilinganda pul avtomatik qaytariladi. Buyurtmani "
            "kuryerga topshirilishidan oldin bekor qildingizmi?",
            answer="ha, o'sha kuni bekor qildim",
            solve="Unda hammasi oddiy: {amount} Uzcard kartangizga qaytarildi, 3 ish "
            "kunigacha tushadi. Operatsiya raqami SMS orqali yuborildi.",
        ),
    ),
    PAYMENT: (
        s(
            "Assalomu alaykum. Uzcard bilan to'ladim, puli yechildi, lekin buyurtma "
            "\"to'lanmagan\" bo'lib turibdi. {order}",
            ask="Assalomu alaykum! Tekshirishim uchun toʻlov vaqtini va karta raqamining "
            "oxirgi 4 ta raqamini yozing, iltimos.",
            answer="bugun soat 14:20 da, karta {card}",
            solve="Topdim: toʻlov bank tomonidan tasdiqlangan, lekin bizga kech yetib kelgan. "
            "Buyurtmangiz endi “toʻlangan” holatida va yigʻishga yuborildi.",
        ),
        s(
            "Humo karta o'tmayapti, \"to'lov rad etildi\" deyapti. Kartada pul bor",
            "nima qilsam bo'ladi?",
            ask="Toʻlov paytida bankdan SMS-kod keladimi? Xato qaysi bosqichda chiqyapti?",
            answer="kod keladi, kiritaman, keyin darrov rad etildi deydi",
            solve="Bank kartangizda internet orqali toʻlovlarni cheklagan koʻrinadi. Bank "
            "ilovasida “Internetda toʻlov”ni yoqing yoki Uzcard bilan toʻlang — buyurtmangizni "
            "24 soatga saqlab qoʻydik.",
        ),
        s(
            "Visa karta bilan to'lab bo'lmaydimi sizlarda? Chet el kartasi. {amount} "
            "to'lamoqchi edim",
            ask="Assalomu alaykum! Karta qaysi davlat banki tomonidan chiqarilgan? Toʻlov "
            "sahifasida SMS-tasdiqlash (3-D Secure) chiqyaptimi?",
            answer="Turkiya banki. SMS chiqmayapti, darrov xato",
            solve="Rahmat, muammo topildi: baʼzi xorijiy Visa kartalar uchun 3-D Secure "
            "bosqichi oʻtkazib yuborilayotgan ekan. Tuzatildi — qayta urinib koʻring, "
            "savatchangiz saqlangan.",
        ),
    ),
    LOGIN: (
        s(
            "Ilovaga kira olmayapman, SMS kod kelmayapti. Nima bo'ldi?",
            ask="Assalomu alaykum, {name}! Qaysi telefon raqami bilan roʻyxatdan oʻtgansiz? "
            "Ilovaning qaysi versiyasi oʻrnatilgan (Sozlamalar → Ilova haqida)?",
            answer="{phone}, android, versiyasi 4.12 ekan",
            solve="Rahmat! Raqamingiz xavfsizlik tizimi tomonidan vaqtincha bloklangan ekan "
            "(kod koʻp marta notoʻgʻri kiritilgan). Blokni oldim — 5 daqiqadan keyin qayta "
            "kirib koʻring.",
        ),
        s(
            "Assalomu alaykum. Parolni unutdim, tiklash tugmasini bossam hech narsa bo'lmayapti",
            ask="Telefoningiz Android yoki iPhone? Ilovani oxirgi versiyaga yangilab koʻrdingizmi?",
            answer="iPhone. yangiladim, baribir bo'lmayapti",
            solve="iOS uchun 4.12 versiyada xato topildi, shu hafta tuzatiladi. Hozircha "
            "parolni saytda tiklashingiz mumkin: Kirish → Parolni unutdingizmi?",
        ),
        s(
            'prilojeniya ochilmayapti, "akkaunt bloklangan" deb chiqyapti. Nima qildim o\'zi?',
            ask="Assalomu alaykum! Tekshirish uchun profilingizdagi telefon raqamini yozing, "
            "iltimos.",
            answer="{phone}",
            solve="Akkauntingiz boshqa davlatdagi yangi qurilmadan kirilgani uchun avtomatik "
            "bloklangan ekan. Blokdan chiqardik — kirgach parolni almashtirishni tavsiya "
            "qilamiz.",
        ),
    ),
    COMPLAINT: (
        s(
            "Kuryeringiz juda qo'pol gaplashdi. Kechikib keldi ustiga baqiradi. Bu qanaqa xizmat?",
            ask="{name}, bu holat uchun chin dildan uzr soʻraymiz. Buyurtma raqami va "
            "yetkazilgan vaqtni yozing — shikoyatni kuryer xizmatiga yuboraman.",
            answer="{order}, bugun kechki 7 larda",
            solve="Rahmat. Shikoyat roʻyxatga olindi, kuryer xizmati tekshiryapti. Uzr sifatida "
            "15% chegirma promokodini SMS orqali yubordik.",
        ),
        s(
            "Assalomu alaykum. Bugun {order} buyurtmani oldim, quti ezilgan, ichidagi narsa singan",
            "rasmini yuboraymi? pulimni qaytarib bering yoki almashtiring, to'g'ri emas bu",
            ask="Ha, iltimos, quti va mahsulot rasmini yuboring — almashtirishni "
            "rasmiylashtiramiz.",
            answer="rasmlarni yubordim",
            solve="Rahmat, rasmlar keldi. Almashtirish rasmiylashtirildi: ertaga kuryer "
            "yangisini olib keladi va singanini olib ketadi. Hech narsa toʻlash shart emas.",
        ),
        s(
            "boshqa tovar kelibdi! men qora rang buyurtma qilgandim, oq keldi. {order}. "
            "Qo'ng'iroq qilsam hech kim ko'tarmaydi",
            ask="Xato uchun uzr! Qadoq ochilganmi? Ochilmagan boʻlsa, bir kunda almashtiramiz.",
            answer="yo'q, ochmadim",
            solve="Ajoyib. Kuryer ertaga soat 10:00–14:00 da qorasini olib keladi va oqini "
            "olib ketadi. Chalkashlik uchun uzr soʻraymiz.",
        ),
    ),
    THANKS: (
        s(
            "Rahmat sizlarga! Buyurtma vaqtida keldi, kuryer ham juda xushmuomala ekan 👍 "
            "Yana buyurtma qilaman, xo'p",
            ask="Iliq soʻzlaringiz uchun rahmat, {name}! Sizga yordam berganimizdan xursandmiz 😊",
        ),
        s(
            "Katta rahmat, muammoni tez hal qildingiz. Omad! Do'stlarimga ham aytaman",
            ask="Rahmat! Fikringizni jamoaga yetkazaman. Doim xizmatingizdamiz!",
        ),
        s(
            "{agent}ga katta rahmat, kecha juda yaxshi tushuntirib berdi. Bo'ldi, hammasi ishladi",
            ask="Rahmat, {name}! Yana savollar boʻlsa, bemalol yozing.",
        ),
    ),
}

SCRIPTS_UZ_CYRL: Scripts = {
    ORDER: (
        s(
            "Ассалому алайкум. Буюртмам қаерда? Рақами {order}, 3 кун олдин тўлаган эдим",
            ask="Ваалайкум ассалом, {name}! Мен {agent}. Буюртма қайси телефон рақамига "
            "расмийлаштирилганини ёзиб юборинг, илтимос.",
            answer="{phone} шу рақамга",
            solve="Раҳмат! Буюртмангиз {city}даги саралаш марказига етиб келди. Эртага соат "
            "10:00–18:00 оралиғида курьер олиб боради ва олдиндан қўнғироқ қилади.",
        ),
        s(
            "Салом. {order} рақамли буюртма қачон келади? Курьер ҳали қўнғироқ қилмади",
            ask="Ассалому алайкум! Курьер кеча сиз билан боғланмоқчи бўлган. {phone} рақами "
            "ҳали ҳам тўғрими?",
            answer="Ҳа тўғри, ишда эдим",
            solve="Тушундим. Етказишни эртага соат 18:00–21:00 га кўчирдик, курьер бир соат "
            "олдин қўнғироқ қилади.",
        ),
    ),
    DELAY: (
        s(
            "Ассалому алайкум. 2 кунда етказамиз дегандингиз, бугун 6-кун. {order}. "
            "Қачонгача кутиш керак?",
            ask="Кечикиш учун узр сўраймиз, {name}. Етказиб бериш манзилингизни тўлиқ ёзиб "
            "юборинг — курьер хизмати билан аниқлаштираман.",
            answer="{city} шаҳри, Мустақиллик кўчаси 25-уй, 12-хонадон",
            solve="Аниқладим: посилка омборда нотўғри сараланган экан. Бугун қайта "
            "жўнатилди, эртага етказилади. Етказиб бериш ҳақини қайтарамиз.",
        ),
        s(
            "Нега буюртмам ҳали ҳам келмади? {order} 10 кундан бери кутяпман",
            ask="Шунча куттирганимиз учун узр. Эртага қайси вақт сизга қулай?",
            answer="Кечки 6 дан кейин",
            solve="Келишилди: эртага соат 18:00 дан кейин олиб боришади, курьер бир соат "
            "олдин қўнғироқ қилади.",
        ),
    ),
    REFUND: (
        s(
            "Ассалому алайкум. Товарни қайтаргандим, 2 ҳафта бўлди, пул ҳали картага "
            "қайтмади. {order}",
            ask="Ассалому алайкум! Пул қайси картага қайтиши керак — карта рақамининг охирги "
            "4 та рақамини ёзиб юборинг, илтимос.",
            answer="Охирги 4 рақами {card}",
            solve="Раҳмат! {amount} қайтариш *{card} картага бугун жўнатилди. Банк одатда "
            "3–5 иш кунида кўрсатади.",
        ),
        s(
            "Пулимни қачон қайтарасизлар? {amount} Хумо картадан ечилган, буюртма бекор қилинган",
            ask="Узр сўраймиз. Пул ечилгани ҳақидаги СМС расмини юбора оласизми?",
            answer="Юбордим. Карта {card}",
            solve="Транзакцияни топдик. {amount} 3 иш куни ичида *{card} картангизга қайтади.",
        ),
    ),
    PAYMENT: (
        s(
            "Узкард билан тўладим, пули ечилди, лекин буюртма «тўланмаган» бўлиб турибди. {order}",
            ask="Текширишим учун тўлов вақтини ва карта рақамининг охирги 4 та рақамини "
            "ёзинг, илтимос.",
            answer="Бугун соат 14:20 да, карта {card}",
            solve="Топдим: тўлов банк томонидан тасдиқланган, лекин бизга кеч етиб келган. "
            "Буюртмангиз энди «тўланган» ҳолатида.",
        ),
        s(
            "Хумо карта ўтмаяпти, «тўлов рад этилди» деяпти. Картада пул бор",
            ask="Тўлов пайтида банкдан СМС-код келадими? Хато қайси босқичда чиқяпти?",
            answer="Код келади, киритаман, кейин рад этилди дейди",
            solve="Банк картангизда интернет орқали тўловларни чеклаган кўринади. Банк "
            "иловасида «Интернетда тўлов»ни ёқинг — буюртмангизни 24 соатга сақлаб қўйдик.",
        ),
    ),
    LOGIN: (
        s(
            "Иловага кира олмаяпман, СМС код келмаяпти",
            ask="Қайси телефон рақами билан рўйхатдан ўтгансиз? Иловани охирги версияга "
            "янгилаб кўрдингизми?",
            answer="{phone}. Янгиладим, барибир бўлмаяпти",
            solve="Рақамингиз хавфсизлик тизими томонидан вақтинча блокланган экан. Блокни "
            "олдим — 5 дақиқадан кейин қайта кириб кўринг.",
        ),
        s(
            "Паролни унутдим, тиклаш тугмасини боссам ҳеч нарса бўлмаяпти",
            ask="Телефонингиз Андроид ёки Айфон?",
            answer="Андроид, Самсунг",
            solve="Раҳмат. Паролни тиклаш ҳаволасини СМС орқали юбордик, 10 дақиқа амал қилади.",
        ),
    ),
    COMPLAINT: (
        s(
            "Курьерингиз жуда қўпол гаплашди. Кечикиб келди устига бақиради. Бу қанақа хизмат?",
            ask="{name}, бу ҳолат учун чин дилдан узр сўраймиз. Буюртма рақамини ва вақтини "
            "ёзинг, шикоятни курьер хизматига юбораман.",
            answer="{order}, кеча кечқурун",
            solve="Раҳмат. Шикоят рўйхатга олинди. Узр сифатида 15% чегирма промокодини СМС "
            "орқали юбордик.",
        ),
        s(
            "Бугун {order} буюртмани олдим, қути эзилган, ичидаги нарса синган",
            ask="Узр сўраймиз! Илтимос, қути ва маҳсулот расмини юборинг.",
            answer="Расмини юбордим",
            solve="Раҳмат. Товарни бепул алмаштирамиз: эртага курьер янгисини олиб келади ва "
            "эскисини олиб кетади.",
        ),
    ),
    THANKS: (
        s(
            "Раҳмат сизларга! Буюртма вақтида келди, курьер ҳам жуда хушмуомала экан",
            ask="Илиқ сўзларингиз учун раҳмат, {name}! Сизга ёрдам берганимиздан хурсандмиз.",
        ),
        s(
            "Катта раҳмат, муаммони тез ҳал қилдингиз!",
            ask="Раҳмат! Фикрингизни жамоага етказаман.",
        ),
    ),
}

SCRIPTS_RU: Scripts = {
    ORDER: (
        s(
            "Здравствуйте! Где мой заказ? Номер {order}, оплатил[|а] три дня назад",
            ask="Здравствуйте, {name}! Меня зовут {agent}. Подскажите, пожалуйста, на какой "
            "номер телефона оформлен заказ? Проверю статус.",
            answer="{phone}",
            solve="Спасибо! Заказ прибыл на сортировочный центр {city_in}. Завтра с 10:00 до "
            "18:00 курьер его доставит и заранее позвонит.",
        ),
        s(
            "Добрый день",
            "Подскажите, когда доставят заказ {order}? В приложении третий день висит статус "
            "«Собирается»",
            ask="Добрый день! Одного товара из заказа не оказалось на складе. Отправить "
            "остальное сейчас или дождаться полного заказа (2–3 дня)?",
            answer="Отправьте что есть, пожалуйста",
            solve="Готово: товары в наличии уедут со склада сегодня, остальное довезём "
            "бесплатно. Ссылку для отслеживания отправили по SMS.",
        ),
        s(
            "Здравствуйте, заказ {order} — курьер так и не позвонил. Когда ждать?",
            ask="Здравствуйте! Курьер пытался связаться с вами вчера. Номер {phone} актуален?",
            answer="Да, актуален. Наверное, был[|а] на работе",
            solve="Поняли вас. Перенесли доставку на завтра, с 18:00 до 21:00. Курьер позвонит "
            "за час.",
        ),
    ),
    DELAY: (
        s(
            "Здравствуйте. Обещали доставку за 2 дня, сегодня уже шестой. Заказ {order}. "
            "Сколько ещё ждать?",
            ask="Приносим извинения за задержку, {name}. Напишите, пожалуйста, полный адрес "
            "доставки — уточним у службы доставки.",
            answer="{city}, ул. Навои 48, кв. 7",
            solve="Выяснили: посылку ошибочно отсортировали на складе. Сегодня её отправили "
            "повторно, завтра доставят. Стоимость доставки вернём на карту.",
        ),
        s(
            "Почему до сих пор нет заказа??",
            "{order}, жду 10 дней, курьер не берёт трубку",
            ask="Извините за такое ожидание. Заказ сейчас у партнёрской службы доставки — "
            "в какое время завтра вам удобно?",
            answer="После 18:00",
            solve="Договорились со службой доставки: привезут завтра после 18:00, курьер "
            "позвонит за час. За ожидание начислили 20 000 бонусов на ваш счёт.",
        ),
        s(
            "Добрый вечер. Доставка задерживается, заказ {order}. Это подарок на день "
            "рождения, нужно до субботы(",
            ask="Добрый вечер! Понимаем, как это важно. Подойдёт ли пункт выдачи, если так "
            "будет быстрее?",
            answer="Да, пункт выдачи подойдёт, любой {city_in}",
            solve="Отлично! Заказ перенаправили в пункт выдачи {city_in}, он будет там в "
            "пятницу к 12:00. Код получения придёт в SMS.",
        ),
    ),
    REFUND: (
        s(
            "Здравствуйте. Вернул[|а] товар две недели назад, деньги на карту так и не пришли. "
            "Заказ {order}",
            ask="Здравствуйте, {name}! Вижу вашу заявку на возврат. Напишите, пожалуйста, "
            "последние 4 цифры карты, на которую вернуть средства.",
            answer="Последние цифры {card}",
            solve="Спасибо! Возврат {amount} на карту *{card} отправлен сегодня. Банк обычно "
            "зачисляет за 3–5 рабочих дней, по картам Humo иногда до 10.",
        ),
        s(
            "Когда вернёте деньги? С карты Humo списали {amount}, заказ отменён",
            ask="Приносим извинения. Можете прислать скриншот SMS о списании? Нужно найти "
            "транзакцию в банке.",
            answer="Скинул[|а] скрин. Карта на {card}",
            solve="Нашли транзакцию. Возврат {amount} оформлен, деньги поступят на карту "
            "*{card} в течение 3 рабочих дней. Если не придут — напишите в этот чат.",
        ),
        s(
            "Добрый день, отменил[|а] заказ {order}. Как вернуть деньги? Платил[|а] Uzcard",
            ask="Добрый день! При отмене возврат оформляется автоматически. Вы отменили заказ "
            "до передачи курьеру?",
            answer="До, в тот же день",
            solve="Тогда всё просто: возврат {amount} уже отправлен на вашу карту Uzcard, "
            "зачисление — до 3 рабочих дней. Номер операции выслали в SMS.",
        ),
    ),
    PAYMENT: (
        s(
            "Здравствуйте. Оплатил[|а] Uzcard, деньги списались, а заказ висит как «не "
            "оплачен». {order}",
            ask="Здравствуйте! Напишите, пожалуйста, время платежа и последние 4 цифры "
            "карты — проверим транзакцию.",
            answer="Сегодня в 14:20, карта {card}",
            solve="Нашли: платёж подтверждён банком, но уведомление пришло к нам с задержкой. "
            "Заказ теперь оплачен и передан на сборку.",
        ),
        s(
            "Карта Humo не проходит, пишет «платёж отклонён». Деньги на карте есть",
            "что делать?",
            ask="Подскажите, пожалуйста: приходит ли SMS-код от банка при оплате? И на каком "
            "шаге появляется ошибка?",
            answer="Код приходит, ввожу — и сразу «отклонён»",
            solve="Похоже, банк ограничил онлайн-платежи по карте. Включите «Оплату в "
            "интернете» в приложении банка или оплатите Uzcard — заказ сохранили за вами на "
            "24 часа.",
        ),
        s(
            "У вас можно оплатить картой Visa? Российская карта не проходит, хочу оплатить "
            "{amount}",
            ask="Здравствуйте! Подскажите, каким банком выпущена карта?",
            answer="Сбер",
            solve="К сожалению, карты Visa и Mastercard российских банков сейчас не "
            "принимаются. Можно оплатить Uzcard/Humo, Visa зарубежного банка или наличными "
            "курьеру при получении.",
        ),
    ),
    LOGIN: (
        s(
            "Не могу зайти в приложение, не приходит СМС с кодом",
            ask="Здравствуйте, {name}! На какой номер регистрировались? И какая версия "
            "приложения установлена (Настройки → О приложении)?",
            answer="{phone}, андроид, версия 4.12",
            solve="Спасибо! Номер был временно заблокирован системой безопасности — код много "
            "раз вводили неверно. Блокировку сняли, попробуйте войти через 5 минут.",
        ),
        s(
            "Забыл[|а] пароль, нажимаю «восстановить» — ничего не происходит",
            ask="Подскажите, у вас Android или iPhone? Пробовали обновить приложение?",
            answer="айфон, обновил[|а], всё равно",
            solve="Нашли ошибку в версии 4.12 для iOS, исправление выйдет на этой неделе. "
            "Пока можно восстановить пароль на сайте: Вход → Забыли пароль.",
        ),
        s(
            "Приложение пишет «аккаунт заблокирован». Что я сделал[|а]?",
            ask="Здравствуйте! Для проверки напишите, пожалуйста, номер телефона из профиля.",
            answer="{phone}",
            solve="Аккаунт заблокировали автоматически из-за входа с нового устройства из "
            "другой страны. Мы его разблокировали — рекомендуем сменить пароль после входа.",
        ),
    ),
    COMPLAINT: (
        s(
            "Ваш курьер мне нахамил. Опоздал на два часа и ещё кричит. Это что за сервис?",
            ask="{name}, приносим искренние извинения. Подскажите номер заказа и время "
            "доставки — передадим жалобу в службу доставки.",
            answer="{order}, сегодня около 19:00",
            solve="Спасибо. Жалоба зарегистрирована, служба доставки проводит проверку. В "
            "качестве извинения отправили промокод на скидку 15% по SMS.",
        ),
        s(
            "Получил[|а] заказ {order}, коробка смята, внутри всё разбито",
            "фото прислать?",
            ask="Да, пожалуйста, пришлите фото упаковки и товара — оформим замену.",
            answer="Отправил[|а] фото",
            solve="Спасибо, фото получили. Замену оформили: завтра курьер привезёт новый товар "
            "и заберёт повреждённый. Ничего доплачивать не нужно.",
        ),
        s(
            "Привезли не тот товар! Заказывал[|а] чёрный, пришёл белый. {order}",
            ask="Извините за ошибку! Упаковка вскрыта? Если нет — заменим в течение дня.",
            answer="Нет, не вскрывал[|а]",
            solve="Отлично. Курьер приедет завтра с 10:00 до 14:00, привезёт чёрный и заберёт "
            "белый. Приносим извинения за путаницу.",
        ),
    ),
    THANKS: (
        s(
            "Спасибо вам! Заказ пришёл вовремя, курьер очень вежливый 👍",
            ask="Спасибо за тёплые слова, {name}! Рады, что всё получилось 😊",
        ),
        s(
            "Огромное спасибо, быстро решили вопрос. Удачи вам!",
            ask="Спасибо! Передадим ваш отзыв команде. Всегда рады помочь.",
        ),
        s(
            "Спасибо {agent}, очень помогли вчера",
            ask="Спасибо, {name}! Обращайтесь, если что-то понадобится.",
        ),
    ),
}

SCRIPTS_EN: Scripts = {
    ORDER: (
        s(
            "Hi, where is my order? Order {order}, paid three days ago.",
            ask="Hi {name}, this is {agent}. Could you confirm the phone number on the order "
            "so I can look it up?",
            answer="Sure, it's {phone}",
            solve="Thanks! Your order has reached our sorting centre in {city}. A courier will "
            "deliver it tomorrow between 10:00 and 18:00 and will call ahead.",
        ),
        s(
            "Hello,",
            'the app has shown "Being packed" for order {order} for three days now. Is '
            "something wrong?",
            ask="Hello! One item in your order was out of stock at the warehouse. Shall we "
            "ship the rest now, or wait for the full order (2–3 days)?",
            answer="Please ship what you have now.",
            solve="Done — the available items leave the warehouse today and the rest will "
            "follow free of charge. You'll get a tracking link by SMS.",
        ),
        s(
            'Hi there. The courier never called and tracking says "delivery attempted". '
            "Order {order}.",
            ask="Sorry about that! Is {phone} still the best number to reach you?",
            answer="Yes it is. I was home all day though.",
            solve="I've rebooked the delivery for tomorrow 18:00–21:00 and flagged the missed "
            "call with the courier company. The courier will call an hour before.",
        ),
    ),
    DELAY: (
        s(
            "You promised 2-day delivery. It's day six. Order {order}. How much longer?",
            ask="I'm sorry for the delay, {name}. Could you send the full delivery address so "
            "I can check with the courier?",
            answer="{city}, 48 Navoi street, apt 7",
            solve="Found it: the parcel was mis-sorted at the hub. It was re-dispatched today "
            "and will arrive tomorrow. We'll refund the delivery fee to your card.",
        ),
        s(
            "Still no package. Ordered {order} ten days ago and the courier doesn't pick up "
            "the phone.",
            "This is really frustrating.",
            ask="I completely understand, and I'm sorry. What time window works for you tomorrow?",
            answer="After 6pm.",
            solve="Booked for tomorrow after 18:00; the courier will call an hour before. "
            "We've also added 20,000 bonus points to your account for the wait.",
        ),
    ),
    REFUND: (
        s(
            "Hello, I returned an item two weeks ago and still haven't got my money back. "
            "Order {order}.",
            ask="Hi {name}, I can see your return. Which card should the refund go to? The "
            "last 4 digits are enough.",
            answer="Card ending {card}",
            solve="Thanks! A refund of {amount} to the card ending {card} was sent today. "
            "Banks usually show it within 3–5 business days (Humo cards can take up to 10).",
        ),
        s(
            "Hi, I cancelled order {order} before it shipped. When will I get the refund? "
            "Paid by Visa.",
            ask="Hi! Cancelled orders are refunded automatically. Could you confirm the e-mail "
            "on your account so I can send you the refund receipt?",
            answer="{email}",
            solve="Done — the refund of {amount} is on its way to your Visa card and the "
            "receipt is in your inbox. International cards take 5–7 business days.",
        ),
    ),
    PAYMENT: (
        s(
            'Hi, I paid with my Uzcard, the money was taken, but the order still says "unpaid". '
            "{order}",
            ask="Hi! Could you tell me the time of the payment and the last 4 digits of the "
            "card? I'll trace the transaction.",
            answer="Today around 2:20 pm, card {card}",
            solve="Found it: the bank confirmed the payment but the notification reached us "
            "late. Your order is now marked paid and is being packed.",
        ),
        s(
            "My Visa card keeps getting declined at checkout. It works everywhere else.",
            ask="Sorry about that. Is the card issued outside Uzbekistan? And do you see an "
            "SMS code (3-D Secure) step before the error?",
            answer="Yes, it's a UK card. No SMS step, it just fails.",
            solve="Thanks — foreign Visa cards need 3-D Secure, and our payment page skipped it "
            "for some UK banks. It's fixed now; please try again. Your basket is saved.",
        ),
    ),
    LOGIN: (
        s(
            "Can't log into the app, the SMS code never arrives.",
            ask="Hi {name}, which phone number did you sign up with, and which app version do "
            "you have (Settings → About)?",
            answer="{phone}, Android, 4.12",
            solve="Thanks! Your number was temporarily locked by our security system after "
            "several wrong codes. I've unlocked it — please try again in 5 minutes.",
        ),
        s(
            "I forgot my password and the reset button does nothing.",
            ask="Are you on Android or iPhone? And have you updated the app to the latest version?",
            answer="iPhone, already updated. Still nothing.",
            solve="We found a bug in 4.12 for iOS. Until the fix ships this week, you can "
            "reset the password on the website: Sign in → Forgot password.",
        ),
    ),
    COMPLAINT: (
        s(
            "Your courier was incredibly rude to me today. Two hours late and then shouted at me.",
            ask="{name}, I'm very sorry. Could you send the order number and delivery time? "
            "I'll pass the complaint to the courier company.",
            answer="{order}, around 7pm",
            solve="Thank you. The complaint is logged and the courier company is "
            "investigating. We've sent you a 15% discount code by SMS as an apology.",
        ),
        s(
            "The box for order {order} arrived crushed and the item inside is broken.",
            "Do you need photos?",
            ask="Yes please — photos of the box and the item, and we'll arrange a replacement.",
            answer="Photos attached.",
            solve="Thanks, got them. A replacement is booked: the courier brings the new one "
            "tomorrow and takes the damaged one back. No charge.",
        ),
    ),
    THANKS: (
        s(
            "Just wanted to say thanks — the order came on time and the courier was lovely 👍",
            ask="Thank you for the kind words, {name}! Glad it all went well 😊",
        ),
        s(
            "Thanks a lot, you sorted it out really fast. Have a great day!",
            ask="Thank you! I'll pass this on to the team. Always happy to help.",
        ),
    ),
}

SCRIPTS_OTHER: dict[str, Scripts] = {
    KK: {
        ORDER: (
            s(
                "Сәлеметсіз бе! Тапсырысым қайда? Нөмірі {order}, үш күн бұрын төледім",
                ask="Сәлеметсіз бе, {name}! Мен {agent}. Тапсырыс қай телефон нөміріне "
                "рәсімделгенін жазып жіберіңізші.",
                answer="{phone}",
                solve="Рақмет! Тапсырысыңыз {city} қаласындағы сұрыптау орталығына жетті. "
                "Ертең 10:00–18:00 аралығында курьер жеткізеді.",
            ),
        ),
        DELAY: (
            s(
                "Жеткізу неге кешігіп жатыр? {order}, бір аптадан бері күтіп отырмын",
                ask="Кешіккеніміз үшін кешірім сұраймыз. Жеткізу мекенжайын толық жазып "
                "жіберіңізші.",
                answer="{city}, Абай даңғылы 52, 14 пәтер",
                solve="Анықтадық: сәлемдеме қоймада қате сұрыпталған. Бүгін қайта жіберілді, "
                "ертең жеткізіледі.",
            ),
        ),
        LOGIN: (
            s(
                "Қосымшаға кіре алмай жүрмін, SMS код келмейді",
                ask="Қай телефон нөмірімен тіркелдіңіз? Қосымшаның қай нұсқасы орнатылған?",
                answer="{phone}, android 4.12",
                solve="Нөміріңіз қауіпсіздік жүйесімен уақытша бұғатталған екен. Бұғатты алдық "
                "— 5 минуттан кейін қайта кіріп көріңіз.",
            ),
        ),
    },
    TR: {
        ORDER: (
            s(
                "Merhaba, siparişim nerede? {order} numaralı, üç gün önce ödedim",
                ask="Merhaba {name}, ben {agent}. Sipariş hangi telefon numarasına kayıtlı?",
                answer="{phone}",
                solve="Teşekkürler! Siparişiniz {city} dağıtım merkezine ulaştı, yarın "
                "10:00–18:00 arasında kurye teslim edecek.",
            ),
        ),
        PAYMENT: (
            s(
                "Merhaba, Humo kartla ödeme yaptım, para çekildi ama sipariş hâlâ "
                '"ödenmedi" görünüyor. {order}',
                ask="Merhaba {name}, ben {agent}. Ödeme saatini ve kartın son 4 hanesini "
                "yazar mısınız?",
                answer="Bugün 14:20 civarı, kart {card}",
                solve="Buldum: ödeme banka tarafından onaylanmış ama bildirim bize geç ulaşmış. "
                "Siparişiniz artık ödendi olarak görünüyor ve hazırlanıyor.",
            ),
        ),
        LOGIN: (
            s(
                "Uygulamaya giriş yapamıyorum, SMS kodu gelmiyor",
                ask="Hangi telefon numarasıyla kayıt oldunuz? Uygulamanın hangi sürümü yüklü?",
                answer="{phone}, Android 4.12",
                solve="Numaranız güvenlik sistemi tarafından geçici olarak kilitlenmiş. Kilidi "
                "kaldırdım, 5 dakika sonra tekrar deneyin.",
            ),
        ),
    },
    TG: {
        ORDER: (
            s(
                "Ассалому алейкум! Фармоиши ман куҷост? Рақамаш {order}, се рӯз пеш пул додам",
                ask="Ассалому алейкум, {name}! Ман {agent}. Лутфан рақами телефонеро, ки "
                "фармоиш ба он расмӣ шудааст, нависед.",
                answer="{phone}",
                solve="Раҳмат! Фармоиши шумо ба маркази ҷудокунӣ дар {city} расид. Пагоҳ аз "
                "соати 10:00 то 18:00 курйер меорад.",
            ),
        ),
        DELAY: (
            s(
                "Чаро фармоишам то ҳол нарасид? {order}, як ҳафта боз интизорам",
                ask="Барои дер шудан бубахшед. Лутфан суроғаи пурраи расониданро нависед.",
                answer="{city}, кӯчаи Регистон 12, хонаи 5",
                solve="Фаҳмидем: бастаро дар анбор нодуруст ҷудо карда буданд. Имрӯз дубора "
                "фиристода шуд, пагоҳ мерасад.",
            ),
        ),
    },
    AR: {
        ORDER: (
            s(
                "مرحبا، أين طلبي؟ رقم الطلب {order}، دفعت قبل ثلاثة أيام",
                ask="مرحبا {name}، معك {agent}. هل يمكنك إرسال رقم الهاتف المسجل في الطلب "
                "لأتحقق منه؟",
                answer="{phone}",
                solve="شكرا! وصل طلبك إلى مركز الفرز في {city}، وسيقوم المندوب بتوصيله غدا بين "
                "الساعة 10:00 و18:00 مع اتصال مسبق.",
            ),
        ),
        PAYMENT: (
            s(
                "السلام عليكم، بطاقة فيزا لا تعمل عند الدفع. البطاقة صادرة من بنك في الإمارات",
                ask="وعليكم السلام! هل تظهر لك خطوة التحقق برمز SMS قبل الخطأ؟",
                answer="لا، يظهر الخطأ مباشرة",
                solve="شكرا لك، وجدنا المشكلة: بعض بطاقات فيزا الأجنبية كانت تتخطى خطوة "
                "3-D Secure. تم الإصلاح، يرجى المحاولة مرة أخرى. سلتك محفوظة.",
            ),
        ),
    },
    DE: {
        ORDER: (
            s(
                "Hallo, ich habe ein Geschenk für meine Familie in {city} bestellt ({order}). "
                "Wann wird es geliefert?",
                ask="Hallo {name}! Auf welche Telefonnummer des Empfängers läuft die Bestellung?",
                answer="{phone}",
                solve="Vielen Dank! Die Sendung ist im Verteilzentrum in {city} angekommen und "
                "wird morgen zwischen 10 und 18 Uhr zugestellt. Der Kurier ruft vorher an.",
            ),
        ),
        REFUND: (
            s(
                "Guten Tag, ich habe die Bestellung {order} storniert, bevor sie versendet "
                "wurde. Wann bekomme ich mein Geld zurück? Bezahlt mit Visa.",
                ask="Guten Tag {name}, hier ist {agent}. Stornierte Bestellungen werden "
                "automatisch erstattet. Können Sie mir die E-Mail-Adresse Ihres Kontos "
                "bestätigen, damit ich Ihnen den Beleg schicke?",
                answer="{email}",
                solve="Erledigt — die Erstattung über {amount} ist auf dem Weg zu Ihrer "
                "Visa-Karte, der Beleg liegt in Ihrem Postfach. Bei ausländischen Karten dauert "
                "es 5–7 Werktage.",
            ),
        ),
        LOGIN: (
            s(
                "Hallo, ich komme nicht mehr in die App. Der SMS-Code kommt nicht an.",
                ask="Hallo {name}! Mit welcher Telefonnummer haben Sie sich registriert, und "
                "welche App-Version ist installiert?",
                answer="{phone}, iPhone, Version 4.12",
                solve="Danke! Ihre Nummer war nach mehreren falschen Codes vorübergehend "
                "gesperrt. Ich habe die Sperre aufgehoben — bitte versuchen Sie es in 5 "
                "Minuten erneut.",
            ),
        ),
    },
}

SCRIPTS: dict[str, Scripts] = {
    UZ: SCRIPTS_UZ,
    UZ_CYRL: SCRIPTS_UZ_CYRL,
    RU: SCRIPTS_RU,
    EN: SCRIPTS_EN,
    **SCRIPTS_OTHER,
}

# The customer's last word once the problem is solved.
THANKS_REPLIES = {
    UZ: ("rahmat!", "Rahmat, tushunarli", "Katta rahmat 🙏", "ok, kutaman. rahmat",
         "Hammasi bo'ldi, rahmat", "zo'r, rahmat"),
    UZ_CYRL: ("Раҳмат!", "Катта раҳмат", "Тушунарли, раҳмат", "Хўп, кутаман"),
    RU: ("Спасибо!", "Понял[|а], спасибо", "Спасибо большое 🙏", "Хорошо, жду",
         "Всё получилось, спасибо"),
    EN: ("Thanks!", "Got it, thanks", "Thank you so much 🙏", "OK, I'll wait. Thanks",
         "All good now, thank you"),
    KK: ("Рақмет!", "Үлкен рақмет", "Түсінікті, рақмет"),
    TR: ("Teşekkürler!", "Çok teşekkür ederim 🙏", "Tamam, anladım"),
    TG: ("Раҳмат!", "Ташаккури зиёд", "Фаҳмидам, раҳмат"),
    AR: ("شكرا جزيلا!", "تمام، شكرا", "شكرا لكم 🙏"),
    DE: ("Danke!", "Vielen Dank 🙏", "Alles klar, danke"),
}  # fmt: skip

# An agent who needs someone else's answer first (then snoozes the conversation).
HOLD_REPLIES = {
    UZ: ("Rahmat, maʼlumotni tegishli boʻlimga yubordim. Ertaga kun davomida javob beraman.",
         "Qabul qildim. Ombor bilan aniqlashtirib, sizga qayta yozaman."),
    UZ_CYRL: ("Раҳмат, маълумотни тегишли бўлимга юбордим. Эртага жавоб бераман.",),
    RU: ("Спасибо, передали информацию в отдел логистики. Ответим завтра в течение дня.",
         "Приняли. Уточним у склада и вернёмся с ответом."),
    EN: ("Thanks, I've passed this to our logistics team and will get back to you tomorrow.",
         "Got it. I'm checking with the warehouse and will reply as soon as I hear back."),
    KK: ("Рақмет, ақпаратты тиісті бөлімге жібердім. Ертең жауап беремін.",),
    TR: ("Teşekkürler, bilgiyi ilgili ekibe ilettim. Yarın size dönüş yapacağım.",),
    TG: ("Раҳмат, маълумотро ба шӯъбаи дахлдор фиристодам. Пагоҳ ҷавоб медиҳам.",),
    AR: ("شكرا، أرسلت المعلومات إلى القسم المختص وسأعود إليك غدا.",),
    DE: ("Danke, ich habe das an unser Logistik-Team weitergegeben und melde mich morgen.",),
}  # fmt: skip

# A customer still waiting for the first answer.
NUDGES = {
    UZ: ("??", "javob bera olasizmi?", "hali ham javob yo'q"),
    UZ_CYRL: ("??", "Жавоб борми?"),
    RU: ("Алло?", "Ответьте, пожалуйста", "??"),
    EN: ("Hello?", "Any update?"),
}

# The same customer on a second channel, before anyone answered the first (merged later).
DUPLICATES = {
    UZ: "Boshqa joyga ham yozgandim, javob bo'lmadi. Buyurtma {order}, iltimos tezroq",
    RU: "Я уже писал[|а] вам в другом чате, ответа нет. Заказ {order}, ответьте, пожалуйста.",
    EN: "I already messaged you on another channel and got no reply. Order {order} — "
    "please get back to me.",
}

SUBJECTS = {
    UZ: {ORDER: "Buyurtma holati", DELAY: "Yetkazib berish kechikdi", REFUND: "Pulni qaytarish",
         PAYMENT: "To'lov muammosi", LOGIN: "Ilovaga kira olmayapman", COMPLAINT: "Shikoyat",
         THANKS: "Rahmat!"},
    UZ_CYRL: {ORDER: "Буюртма ҳолати", DELAY: "Етказиб бериш кечикди", REFUND: "Пулни қайтариш",
              PAYMENT: "Тўлов муаммоси", LOGIN: "Иловага кира олмаяпман", COMPLAINT: "Шикоят",
              THANKS: "Раҳмат!"},
    RU: {ORDER: "Статус заказа", DELAY: "Задержка доставки", REFUND: "Возврат денег",
         PAYMENT: "Проблема с оплатой", LOGIN: "Не могу войти в приложение",
         COMPLAINT: "Жалоба", THANKS: "Спасибо!"},
    EN: {ORDER: "Order status", DELAY: "Delivery delay", REFUND: "Refund",
         PAYMENT: "Payment problem", LOGIN: "Can't log in", COMPLAINT: "Complaint",
         THANKS: "Thank you!"},
    DE: {ORDER: "Lieferstatus", REFUND: "Erstattung", LOGIN: "Anmeldung in der App"},
}  # fmt: skip

# Internal notes, in the language the agent writes notes in.
NOTES = {
    ORDER: {
        UZ: "Buyurtma Toshkent omborida, kuryer ertaga olib ketadi. Mijozga kuzatish "
        "havolasini yubordim.",
        RU: "Заказ на складе в Ташкенте, передан в доставку. Клиенту отправили трек-номер.",
        EN: "Order {order} is at the Tashkent hub, handed to the courier for tomorrow.",
    },
    DELAY: {
        UZ: "Kuryer xizmati kechikishni tasdiqladi. Yetkazish haqini qaytarish uchun "
        "To‘lovlar jamoasiga yozdim.",
        RU: "Служба доставки подтвердила задержку: посылка застряла на сортировке. Запросили "
        "возврат стоимости доставки.",
        EN: "Courier partner confirmed {order} was mis-sorted at the hub. Asked Payments to "
        "refund the delivery fee.",
    },
    REFUND: {
        UZ: "Qaytarish tasdiqlangan, lekin bankka reyestr hali ketmagan. Ertaga ertalab "
        "tekshiraman.",
        RU: "Возврат одобрен, но реестр в банк ещё не ушёл. Humo зачисляет до 10 банковских дней.",
        EN: "Refund approved in the back office; the bank batch goes out tonight. Humo can take "
        "up to 10 business days.",
    },
    PAYMENT: {
        UZ: "Tranzaksiya processingda bor, bankdan callback kelmagan. Qo‘lda tasdiqladim.",
        RU: "Транзакция есть в выписке процессинга, callback от банка не пришёл. Подтвердили "
        "оплату вручную.",
        EN: "Transaction is in the processor's report but the bank callback never arrived. "
        "Third one this week — worth a ticket to the payment provider.",
    },
    LOGIN: {
        UZ: "Raqam anti-frod tomonidan bloklangan (5 marta noto‘g‘ri kod). Blokdan chiqardim.",
        RU: "Номер заблокирован антифродом после 5 неверных кодов. Похоже, опять задержки SMS "
        "у Ucell.",
        EN: "Number was locked by anti-fraud after 5 wrong codes; unlocked. SMS delays on Ucell "
        "again — fourth report today.",
    },
    COMPLAINT: {
        UZ: "Kuryer haqida shikoyat — logistika bo‘limiga yuborildi. Mijozga 15% promokod berdik.",
        RU: "Жалоба передана в логистику с фото. Клиенту выдан промокод 15%.",
        EN: "Complaint forwarded to logistics with photos. Second complaint about this courier "
        "this month — keep an eye on it.",
    },
    THANKS: {
        UZ: "Ijobiy fikr — haftalik hisobotga qo‘shamiz.",
        RU: "Положительный отзыв — добавить в еженедельный отчёт.",
        EN: "Nice feedback — adding it to the weekly highlights.",
    },
}
