# ruff: noqa: E501
"""Hand-written phrase banks for the synthetic red-flag corpus (written by engineer C of the Haven team).

Each entry of a bank is one *template family*: a phrasing with slots ({amt}, {plat}, {hrs}, {name}). A
family is put wholly in one split (train / dev / blind) by ``make_corpus.py``. Keys: (flag, language).
Languages: en-gb, en-ng, en-in, en-ph, en-us, fr, fr-ci (West African French), es, pt, de, cy.
"""

from __future__ import annotations

B: dict[tuple[str, str], list[str]] = {}


def add(flag: str, lang: str, *phrases: str) -> None:
    B.setdefault((flag, lang), []).extend(phrases)


# ---------------------------------------------------------------- sexual escalation
add("sexual-escalation", "en",
    "you look so sexy in that pic, what are you wearing right now",
    "i bet you look even better with nothing on",
    "i can't stop thinking about you in bed",
    "take it off for me babe, just for me",
    "tell me what you'd do to me if we were alone tonight",
    "you make me so horny",
    "are you wearing anything under that hoodie",
    "i want to see all of you, no clothes",
    "let's get a bit naughty, nobody is watching",
    "u r so hot it's unfair, wanna play a game",
    "omo you too fine, let me see that body",
    "yaar you are looking very hot, show me more na",
    "grabe ang sexy mo, let's do something naughty",
    "ngl you got me feelin some type of way, take that shirt off")
add("sexual-escalation", "fr",
    "t'es trop sexy, tu portes quoi là",
    "j'ai envie de te voir sans rien",
    "enlève ton haut pour moi bébé",
    "tu me rends fou, on s'amuse un peu ce soir ?",
    "montre-moi ton corps, personne ne regarde")
add("sexual-escalation", "es",
    "estás muy sexy, qué llevas puesto",
    "quiero verte sin ropa",
    "quítate la camiseta para mí, bebé",
    "me pones a mil, hagamos algo travieso")
add("sexual-escalation", "pt",
    "você é muito gostosa, tá vestindo o quê",
    "quero te ver sem roupa",
    "tira a blusa pra mim amor",
    "vamos fazer uma coisa mais safada hoje")
add("sexual-escalation", "de",
    "du bist so heiß, was hast du gerade an",
    "ich will dich ohne klamotten sehen",
    "zieh dein oberteil für mich aus",
    "lass uns ein bisschen versaut sein heute")
add("sexual-escalation", "cy",
    "ti'n edrych mor secsi, be ti'n gwisgo",
    "dwi isio dy weld di heb ddillad",
    "tynna dy grys i fi")

# ---------------------------------------------------------------- image request
add("image-request", "en",
    "send me a pic of you, a proper one",
    "can i see a photo of you without the top",
    "show me on video call, turn your cam on",
    "send nudes and i'll send mine",
    "just one pic babe, no one will see it",
    "snap me something spicy",
    "send me a vid of you doing it",
    "i showed you mine, now you show me yours",
    "turn on your camera and stand up",
    "abeg send me your picture now, the sexy one",
    "send one pic na, only for me",
    "pa-send naman ng pic mo, yung walang damit",
    "lemme see u rn, drop a pic",
    "can u send a n00d, promise i delete it")
add("image-request", "fr",
    "envoie-moi une photo de toi sans rien",
    "allume ta caméra, je veux te voir",
    "envoie une vidéo de toi, juste pour moi",
    "fais-moi voir, une petite photo coquine",
    "montre toi en cam stp")
add("image-request", "es",
    "mándame una foto tuya sin ropa",
    "prende la cámara, quiero verte",
    "envíame un video tuyo solo para mí",
    "pásame una foto picante")
add("image-request", "pt",
    "manda uma foto sua sem roupa",
    "liga a câmera, quero te ver",
    "me manda um vídeo só pra mim",
    "manda nude que eu mando o meu")
add("image-request", "de",
    "schick mir ein foto von dir ohne was an",
    "mach die kamera an, ich will dich sehen",
    "schick mir ein video nur für mich",
    "zeig mal ein heißes bild von dir")
add("image-request", "cy",
    "anfon llun ohonot ti i fi",
    "tro dy gamera ymlaen, dwi isio dy weld di",
    "anfona fideo i fi yn unig")

# ---------------------------------------------------------------- move platform
add("move-platform", "en",
    "add me on {plat}, it's more private there",
    "this app is boring, let's move to {plat}",
    "do you have {plat}? message me there",
    "i'll be on {plat}, my name is {handle}",
    "let's talk on {plat} instead, this app deletes stuff",
    "switch to {plat} so we can video call",
    "my dm here is buggy, hmu on {plat}",
    "pls add my {plat} so we fit gist better",
    "come to {plat} na, easier to talk",
    "pm me sa {plat} mo, mas safe doon")
add("move-platform", "fr",
    "ajoute-moi sur {plat}, c'est plus discret",
    "on parle sur {plat} plutôt ?",
    "viens sur {plat}, ici ça bug",
    "tu as {plat} ? écris-moi là-bas")
add("move-platform", "es",
    "agrégame en {plat}, es más privado",
    "mejor hablemos por {plat}",
    "¿tienes {plat}? escríbeme ahí")
add("move-platform", "pt",
    "me adiciona no {plat}, lá é mais privado",
    "bora conversar no {plat}",
    "tem {plat}? me chama lá")
add("move-platform", "de",
    "adde mich auf {plat}, da ist es privater",
    "lass uns lieber auf {plat} schreiben",
    "hast du {plat}? schreib mir da")
add("move-platform", "cy",
    "ychwanega fi ar {plat}",
    "gad i ni siarad ar {plat} yn lle")

# ---------------------------------------------------------------- identity claim
add("identity-claim", "en",
    "i'm {age} btw, just moved to the city",
    "i'm a model, i do shoots in london",
    "im a nurse working nights lol",
    "i am {age} years old and single",
    "i'm a student at uni, second year",
    "i'm in the army, deployed right now",
    "my name is {name}, i'm {age}",
    "i be {age}, i dey for lagos",
    "i'm {age} only, from mumbai, doing my engineering",
    "i'm {age}, nurse here in manila",
    "i'm a girl from your area, {age} y/o")
add("identity-claim", "fr",
    "j'ai {age} ans, je suis étudiante",
    "moi c'est {name}, {age} ans",
    "je suis mannequin à paris")
add("identity-claim", "es",
    "tengo {age} años y soy estudiante",
    "soy {name}, tengo {age}",
    "soy modelo en madrid")
add("identity-claim", "pt",
    "tenho {age} anos, sou estudante",
    "sou a {name}, tenho {age}",
    "sou modelo em são paulo")
add("identity-claim", "de",
    "ich bin {age} und studiere",
    "ich heiße {name} und bin {age}",
    "ich bin model in berlin")
add("identity-claim", "cy",
    "dwi'n {age} oed",
    "{name} ydw i, dwi'n {age}")

# ---------------------------------------------------------------- recording claim
add("recording-claim", "en",
    "i recorded everything you did on cam",
    "i have screenshots of all your pics",
    "i saved the video, you look so stupid in it",
    "guess what, i screen recorded our call",
    "i got your nudes saved, every single one",
    "i have the whole video call on my phone",
    "everything you sent me is saved in my gallery",
    "i don record everything, e dey my phone",
    "i captured your full video, you can't deny",
    "na-record ko lahat, nasa phone ko",
    "i got u on tape lol, all of it")
add("recording-claim", "fr",
    "j'ai tout enregistré pendant l'appel",
    "j'ai des captures de tes photos",
    "la vidéo est sauvegardée sur mon téléphone",
    "j'ai filmé toute ta séance cam, tu peux pas nier")
add("recording-claim", "es",
    "grabé toda la videollamada",
    "tengo capturas de tus fotos",
    "guardé el video, lo tengo todo")
add("recording-claim", "pt",
    "gravei a chamada inteira",
    "tenho print de todas as suas fotos",
    "salvei o vídeo, tá tudo aqui")
add("recording-claim", "de",
    "ich habe alles aufgenommen",
    "ich hab screenshots von deinen bildern",
    "das video ist auf meinem handy gespeichert")
add("recording-claim", "cy",
    "dwi wedi recordio popeth",
    "mae gen i sgrinluniau o dy luniau di")

# ---------------------------------------------------------------- threat to share
add("threat-to-share", "en",
    "i will send it to everyone you know",
    "i'll post the video on your page",
    "your family will see everything",
    "it goes on every porn site tonight",
    "imagine your boss getting this video",
    "i'll share it with all your followers",
    "i will make you go viral",
    "everyone at your school is going to see",
    "i go release am for everybody",
    "i will upload it and tag your whole family",
    "ipapakalat ko to sa lahat ng friends mo",
    "ur vid gon be everywhere, watch",
    "i'll send the v1d to ur whole famiiily")
add("threat-to-share", "fr",
    "je vais l'envoyer à tous tes contacts",
    "ta famille va tout voir",
    "je poste la vidéo sur ton mur",
    "je vais te rendre célèbre, tout le monde va voir",
    "je vais balancer ça partout au quartier")
add("threat-to-share", "es",
    "se lo voy a mandar a todos tus contactos",
    "tu familia va a ver todo",
    "voy a subir el video a internet",
    "todos en tu trabajo lo van a ver")
add("threat-to-share", "pt",
    "vou mandar pra todos os seus contatos",
    "sua família vai ver tudo",
    "vou postar o vídeo na internet",
    "todo mundo da sua escola vai ver")
add("threat-to-share", "de",
    "ich schicke es an alle deine kontakte",
    "deine familie wird alles sehen",
    "ich lade das video hoch",
    "jeder auf deiner arbeit wird es sehen")
add("threat-to-share", "cy",
    "dwi am ei anfon at bawb ti'n nabod",
    "bydd dy deulu yn gweld popeth",
    "dwi am roi'r fideo ar y we")

# ---------------------------------------------------------------- contact list
add("contact-list", "en",
    "i have your friends list, your mum is on it",
    "i screenshotted all your followers",
    "i know your sister and your boss, look at this list",
    "i have all your contacts, want me to name them?",
    "your cousin {name} is on your list, right?",
    "i got the names of everyone you follow",
    "i don collect all your contacts",
    "i have the list of ur frnds and family")
add("contact-list", "fr",
    "j'ai la liste de tous tes amis",
    "j'ai tous tes contacts, ta mère aussi",
    "j'ai capturé tes abonnés")
add("contact-list", "es",
    "tengo la lista de todos tus amigos",
    "tengo todos tus contactos, también a tu madre")
add("contact-list", "pt",
    "tenho a lista de todos os seus amigos",
    "peguei todos os seus contatos, até sua mãe")
add("contact-list", "de",
    "ich habe die liste all deiner freunde",
    "ich habe alle deine kontakte, auch deine mutter")
add("contact-list", "cy",
    "mae gen i restr dy ffrindiau i gyd",
    "mae gen i dy gysylltiadau i gyd")

# ---------------------------------------------------------------- payment demand
add("payment-demand", "en",
    "pay {amt} and i delete it",
    "send {amt} now if you want this to go away",
    "you have to pay me {amt}",
    "get me a {gift} card worth {amt}",
    "transfer {amt} to this account",
    "i want {amt} in bitcoin",
    "send the money by western union",
    "how much can you pay? start with {amt}",
    "oya send {amt} sharp sharp",
    "pay {amt} through paytm or gpay now",
    "padala ka {amt} sa gcash ko",
    "cashapp me {amt} rn",
    "p4y {amt} or else")
add("payment-demand", "fr",
    "paie {amt} et je supprime tout",
    "envoie {amt} maintenant",
    "tu dois me payer {amt}",
    "fais un transfert de {amt} par orange money",
    "achète une carte {gift} de {amt}")
add("payment-demand", "es",
    "paga {amt} y lo borro",
    "mándame {amt} ahora",
    "tienes que pagarme {amt}",
    "compra una tarjeta {gift} de {amt}")
add("payment-demand", "pt",
    "paga {amt} que eu apago",
    "manda {amt} no pix agora",
    "você vai ter que me pagar {amt}",
    "faz um pix de {amt}")
add("payment-demand", "de",
    "zahl {amt} und ich lösche es",
    "überweise {amt} jetzt",
    "du musst mir {amt} zahlen",
    "kauf eine {gift} karte über {amt}")
add("payment-demand", "cy",
    "tala {amt} a dwi'n ei ddileu",
    "anfona {amt} rŵan",
    "rhaid i ti dalu {amt} i fi")

# ---------------------------------------------------------------- deadline
add("deadline", "en",
    "you have {hrs} hours",
    "before midnight or it's too late",
    "i'm waiting {mins} minutes, not more",
    "by tomorrow morning, no excuses",
    "clock is ticking, {hrs} hours left",
    "you have until 9pm tonight",
    "if i don't see it in {mins} mins, it's over",
    "you get {hrs} hours to do am",
    "within {hrs} hours only",
    "ur time is almost up, {mins} min")
add("deadline", "fr",
    "tu as {hrs} heures",
    "avant minuit sinon c'est fini",
    "je te laisse {mins} minutes",
    "d'ici demain matin")
add("deadline", "es",
    "tienes {hrs} horas",
    "antes de medianoche",
    "te doy {mins} minutos",
    "para mañana por la mañana")
add("deadline", "pt",
    "você tem {hrs} horas",
    "até meia-noite",
    "te dou {mins} minutos",
    "até amanhã de manhã")
add("deadline", "de",
    "du hast {hrs} stunden",
    "bis mitternacht",
    "ich gebe dir {mins} minuten",
    "bis morgen früh")
add("deadline", "cy",
    "mae gen ti {hrs} awr",
    "cyn hanner nos",
    "dwi'n rhoi {mins} munud i ti")

# ---------------------------------------------------------------- repeat demand (after a payment)
add("repeat-demand", "en",
    "that's not enough, send another {amt}",
    "now i need {amt} more",
    "good, now pay again {amt} or i post",
    "my friend wants his share too, {amt} more",
    "one more payment of {amt} and we're done",
    "e never reach, add {amt} again",
    "not finished yet, another {amt}")
add("repeat-demand", "fr",
    "c'est pas assez, encore {amt}",
    "maintenant il faut encore {amt}")
add("repeat-demand", "es",
    "no es suficiente, otros {amt}",
    "ahora necesito {amt} más")
add("repeat-demand", "pt",
    "não é suficiente, manda mais {amt}",
    "agora preciso de mais {amt}")
add("repeat-demand", "de",
    "das reicht nicht, noch {amt}",
    "jetzt brauche ich nochmal {amt}")
add("repeat-demand", "cy",
    "dydy hynny ddim yn ddigon, {amt} arall",
    "dwi angen {amt} eto")

# ---------------------------------------------------------------- self-harm (victim side); indirect cues too
add("self-harm-risk", "en",
    "i want to die",
    "i can't do this anymore, i just want it all to stop",
    "maybe everyone would be better off without me",
    "i'm thinking of ending it tonight",
    "i don't see the point of being here anymore",
    "if this gets out i'm not going to be around",
    "i wrote a note for my mum just in case",
    "i just want to disappear forever",
    "i've been looking at the pills in the cabinet",
    "there's no way out of this for me",
    "i won't be here tomorrow anyway",
    "i dey tire for life, make i just go",
    "i feel like jumping from the terrace yaar",
    "ayoko na, gusto ko na lang mawala",
    "i'm gonna k1ll mys3lf",
    "i can't go on like this",
    "goodbye, tell my family i'm sorry",
    "i'd rather be dead than have them see it")
add("self-harm-risk", "fr",
    "je veux mourir",
    "je n'en peux plus, je veux que tout s'arrête",
    "ils seraient mieux sans moi",
    "je pense à en finir ce soir",
    "je ne serai plus là demain de toute façon",
    "je veux disparaître pour toujours",
    "wallah je vais me tuer si ça sort")
add("self-harm-risk", "es",
    "quiero morirme",
    "ya no puedo más, quiero que todo termine",
    "estarían mejor sin mí",
    "estoy pensando en acabar con todo",
    "mañana ya no voy a estar",
    "quiero desaparecer para siempre")
add("self-harm-risk", "pt",
    "eu quero morrer",
    "não aguento mais, quero que tudo acabe",
    "todo mundo ficaria melhor sem mim",
    "tô pensando em acabar com tudo",
    "amanhã eu não vou estar mais aqui",
    "quero sumir pra sempre")
add("self-harm-risk", "de",
    "ich will sterben",
    "ich kann nicht mehr, es soll einfach aufhören",
    "alle wären ohne mich besser dran",
    "ich denke daran, mir das leben zu nehmen",
    "morgen bin ich sowieso nicht mehr da",
    "ich will einfach für immer verschwinden")
add("self-harm-risk", "cy",
    "dwi isio marw",
    "alla i ddim dal ati, dwi isio i bopeth stopio",
    "byddai pawb yn well hebdda i",
    "fydda i ddim yma fory",
    "dwi'n meddwl am orffen y cyfan heno",
    "dwi isio diflannu am byth")

# ---------------------------------------------------------------- unlabelled: ordinary lines of both sides
add("none-them", "en",
    "hey how are you", "what are you up to today", "haha that's funny", "where are you from?",
    "i like your profile", "nice to meet you", "how was work", "what music do you like",
    "good morning dear", "how your day dey go", "kamusta ka na", "what's ur fav movie",
    "are you there?", "ok", "lol", "reply me", "why are you quiet", "talk to me")
add("none-them", "fr", "salut ça va", "tu fais quoi aujourd'hui", "t'es d'où ?", "haha trop drôle",
    "bonne journée", "tu es là ?", "réponds-moi")
add("none-them", "es", "hola qué tal", "qué haces hoy", "de dónde eres", "jaja qué gracioso", "estás ahí?")
add("none-them", "pt", "oi tudo bem", "o que você tá fazendo", "de onde você é", "kkkk muito bom", "tá aí?")
add("none-them", "de", "hallo wie geht's", "was machst du heute", "woher kommst du", "haha lustig", "bist du da?")
add("none-them", "cy", "helo sut wyt ti", "be ti'n neud heddiw", "o le ti'n dod?", "wyt ti yna?")
add("none-me", "en",
    "i'm good thanks", "not much, just chilling", "from manchester", "haha yeah", "ok", "who is this?",
    "please don't do this", "please delete it", "i don't have that much money", "i'm only a student",
    "i'm scared", "what do you want from me", "ok i sent it", "i paid already, please stop",
    "i'm begging you", "i'll block you", "leave me alone", "i dey fine o", "okay po", "na i'm ok")
add("none-me", "fr", "ça va merci", "je suis de lyon", "s'il te plaît supprime", "j'ai pas d'argent",
    "j'ai payé, arrête", "laisse-moi tranquille")
add("none-me", "es", "bien gracias", "soy de sevilla", "por favor bórralo", "no tengo dinero", "ya pagué, para")
add("none-me", "pt", "tudo bem", "sou do rio", "por favor apaga", "não tenho dinheiro", "já paguei, para")
add("none-me", "de", "gut danke", "aus hamburg", "bitte lösch das", "ich hab kein geld", "ich hab bezahlt, hör auf")
add("none-me", "cy", "iawn diolch", "o gaerdydd", "plis dilea fo", "does gen i ddim arian")

# ---------------------------------------------------------------- hard negatives (ordinary chats)
add("hard-negative", "en",
    "send me a pic of the dog when you get home", "you still owe me {amt} for the pizza lol",
    "the deadline for the essay is in {hrs} hours", "i'm dying of laughter", "this traffic is killing me",
    "i'll send it to everyone in the group chat", "did you record the lecture?", "pay me back whenever",
    "add me on {plat} for the football group", "i'm {age} next week, party saturday",
    "the gym is killing me lol", "i saved the recipe you sent", "my mum wants a photo of us",
    "i could die for a pizza right now", "screenshot the train times for me", "i'll post the photos on the group",
    "that exam killed me, i want to disappear under my duvet", "you have until friday to hand in the form",
    "can you transfer the rent, {amt}", "everyone will see the wedding pics tomorrow",
    "turn your camera on for the team call", "my boss is on my contacts lol",
    "i'm so done with this week haha", "your sister said hi")
add("hard-negative", "fr", "envoie-moi une photo du chien", "tu me dois {amt} pour le resto",
    "je meurs de rire", "j'ai enregistré le cours", "ajoute-moi sur {plat} pour le groupe", "la date limite c'est demain",
    "je vais mettre les photos du mariage sur le groupe")
add("hard-negative", "es", "mándame una foto del perro", "me debes {amt} de la cena", "me muero de risa",
    "grabé la clase", "la entrega es mañana", "voy a subir las fotos de la boda")
add("hard-negative", "pt", "manda foto do cachorro", "você me deve {amt} da pizza", "tô morrendo de rir",
    "gravei a aula", "o prazo é amanhã", "vou postar as fotos do casamento")
add("hard-negative", "de", "schick mir ein foto vom hund", "du schuldest mir {amt} fürs essen",
    "ich lach mich tot", "ich hab die vorlesung aufgenommen", "die frist ist morgen", "ich lade die hochzeitsfotos hoch")
add("hard-negative", "cy", "anfona lun o'r ci", "ti'n fy nyled i {amt} am y bwyd", "dwi'n marw chwerthin",
    "mae'r dyddiad cau fory")

# more of the victim's ordinary lines in every language (so language alone never reads as a flag)
add("none-me", "fr", "je suis à la maison", "je travaille demain", "d'accord", "oui", "non merci", "je sais pas",
    "je suis étudiant", "j'ai cours demain", "pourquoi tu fais ça", "je vais appeler la police", "c'est qui ?",
    "tu m'as fait peur", "je suis d'abidjan", "on se connaît ?", "j'ai 200 € seulement")
add("none-me", "es", "estoy en casa", "mañana trabajo", "vale", "sí", "no gracias", "no sé", "soy estudiante",
    "por qué haces esto", "voy a llamar a la policía", "quién eres", "me asustaste", "no te conozco",
    "solo tengo 100 €", "déjame en paz", "tengo clase mañana")
add("none-me", "pt", "tô em casa", "amanhã eu trabalho", "beleza", "sim", "não obrigado", "sei lá",
    "sou estudante", "por que você tá fazendo isso", "vou chamar a polícia", "quem é você", "me deixa em paz",
    "só tenho 100 reais", "não te conheço", "tenho aula amanhã", "tô com medo")
add("none-me", "de", "ich bin zu hause", "ich arbeite morgen", "okay", "ja", "nein danke", "keine ahnung",
    "ich bin student", "warum machst du das", "ich rufe die polizei", "wer bist du", "lass mich in ruhe",
    "ich habe nur 100 €", "ich kenne dich nicht", "ich habe morgen schule", "ich habe angst")
add("none-me", "cy", "dwi adre", "dwi'n gweithio fory", "iawn", "ie", "na diolch", "dwn i ddim",
    "dwi'n fyfyriwr", "pam ti'n gwneud hyn", "dwi am ffonio'r heddlu", "pwy wyt ti", "gad lonydd i fi",
    "dim ond £100 sydd gen i", "dwi ddim yn dy nabod di", "mae gen i ysgol fory", "dwi ofn")
add("none-me", "en", "i'm at home", "i have work tomorrow", "yes", "no thanks", "idk", "why are you doing this",
    "i'm calling the police", "i don't know you", "i only have £100", "i have school tomorrow", "abeg leave me",
    "please yaar don't", "sige po", "i'm in my room", "my mum is home", "i'm so stressed with exams lol")
add("none-me", "en", "please don't send it to my family", "don't tell my family please", "i'll pay, just wait",
    "i'll do it, give me time", "my family can't see this", "please not my parents", "i'll get the money tomorrow",
    "i'll send what i have", "please i'm begging, not my family")
add("none-me", "fr", "s'il te plaît pas ma famille", "je vais payer, attends", "ne dis rien à mes parents")
add("none-me", "es", "por favor, a mi familia no", "voy a pagar, espera", "no le digas a mis padres")
add("none-me", "pt", "por favor, minha família não", "eu vou pagar, espera", "não conta pros meus pais")
add("none-me", "de", "bitte nicht meiner familie", "ich zahle, warte", "sag meinen eltern nichts")
add("none-me", "cy", "plis dim fy nheulu", "dwi am dalu, aros", "paid deud wrth fy rhieni")
