"""Template families and slot values for ``make_email_corpus.py`` (hand-written, 2026-12-03)."""

from __future__ import annotations

EN = ["en-GB", "en-US", "en-NG", "en-IN", "en-PH"]
FR = ["fr-FR", "fr-CI"]
ES = ["es-ES"]
PT = ["pt-BR"]
DE = ["de-DE"]

SLOTS: dict[str, dict[str, list[str]]] = {
    "name": {
        "en-GB": ["Oliver", "Chloe", "Harry", "Megan"], "en-US": ["Tyler", "Madison", "Jake", "Ashley"],
        "en-NG": ["Chidi", "Ngozi", "Tunde", "Amaka"], "en-IN": ["Rahul", "Priya", "Arjun", "Sneha"],
        "en-PH": ["Paolo", "Angel", "Jericho", "Bea"], "fr-FR": ["Lucas", "Manon", "Hugo", "Camille"],
        "fr-CI": ["Koffi", "Aya", "Yao", "Adjoua"], "es": ["Javier", "Lucía", "Pablo", "Marta"],
        "pt": ["Thiago", "Larissa", "Gabriel", "Beatriz"], "de": ["Jonas", "Lea", "Felix", "Hannah"],
        "*": ["Sam"],
    },
    "friend": {
        "en-GB": ["Jack", "Ellie", "Ryan"], "en-US": ["Brandon", "Kayla", "Austin"],
        "en-NG": ["Emeka", "Funmi", "Segun"], "en-IN": ["Rohan", "Ananya", "Vikram"],
        "en-PH": ["Migs", "Trisha", "Kervin"], "fr-FR": ["Théo", "Inès", "Nathan"],
        "fr-CI": ["Serge", "Awa", "Didier"], "es": ["Sergio", "Paula", "Álvaro"],
        "pt": ["Rafael", "Camila", "Mateus"], "de": ["Lukas", "Mia", "Paul"], "*": ["Alex"],
    },
    "school": {
        "en-GB": ["St Mary's Academy", "Hillcrest High", "Kingsway College"],
        "en-US": ["Lincoln High", "Westview Middle School", "Riverside High"],
        "en-NG": ["Kings College Lagos", "Unilag", "Federal Government College"],
        "en-IN": ["Delhi Public School", "St Xavier's", "Kendriya Vidyalaya"],
        "en-PH": ["Ateneo", "UST", "San Beda"], "fr-FR": ["lycée Victor Hugo", "collège Jean Moulin"],
        "fr-CI": ["lycée classique d'Abidjan", "collège Saint-Viateur"],
        "es": ["IES Cervantes", "colegio San José"],
        "pt": ["colégio Objetivo", "escola estadual Dom Pedro"],
        "de": ["Goethe-Gymnasium", "Realschule am Park"],
        "*": ["school"],
    },
    "platform": {"*": ["Instagram", "Snapchat", "Facebook", "TikTok", "Discord", "WhatsApp"]},
    "amount": {
        "en-GB": ["£500", "£1,200", "£800"], "en-US": ["$1,500", "$900", "$2,000"],
        "en-NG": ["N250,000", "$700", "N150,000"], "en-IN": ["₹50,000", "Rs. 1,00,000", "$800"],
        "en-PH": ["₱30,000", "$600", "PHP 50,000"], "fr": ["1 500 €", "800 €", "2.000 €"],
        "fr-CI": ["300 000 FCFA", "500 000 FCFA", "1 000 €"], "es": ["1.200 €", "900 €", "2.500 €"],
        "pt": ["R$ 3.000", "R$ 5.000", "R$ 1.500"], "de": ["1.500 €", "900 €", "2.000 Euro"],
        "*": ["$1,000"],
    },
    "usd": {"*": ["1450", "1200", "950", "2000", "1650", "800"]},
    "addr": {
        "*": [
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
            "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        ]
    },
    "hours": {"*": ["24", "48", "72", "12"]},
    "pw": {"*": ["sunshine88", "Liverpool#1", "qwerty2019", "monkey123", "Summer2021!", "dragon77"]},
    "city": {
        "en-GB": ["Leeds", "Bristol"], "en-US": ["Columbus", "Tampa"], "en-NG": ["Lagos", "Ibadan"],
        "en-IN": ["Pune", "Chennai"], "en-PH": ["Quezon City", "Cebu"], "fr-FR": ["Lyon", "Nantes"],
        "fr-CI": ["Abidjan", "Bouaké"], "es": ["Sevilla", "Valencia"], "pt": ["Campinas", "Recife"],
        "de": ["Köln", "Leipzig"], "*": ["town"],
    },
    "order": {"*": ["48213", "77120", "90331", "15524"]},
    "sender": {
        "*": ["Support <support@mail-service.example>", "Team <no-reply@notify.example>",
              "Mark <mark.w@mailbox.example>", "Accounts <billing@shop.example>"]
    },
}  # fmt: skip

F: dict[str, dict] = {}


def fam(fid: str, label: str, split: str, varieties: list[str], subject: str, body: str, **kw) -> None:
    F[fid] = {"label": label, "split": split, "varieties": varieties, "subject": subject, "body": body, **kw}


B, T, N = "scam-bluff", "targeted", "not-sextortion"

# ----------------------------------------------------------------------------------------- English
fam("en-bluff-hacker", B, "train", EN, "Your account has been hacked",
    "Hello,\nI am a hacker who got access to your device a few months ago. I installed malware on the "
    "adult website you visit and it turned on your webcam. I recorded you while you were watching porn and "
    "touching yourself.\nI know {pw} is your password.\nSend ${usd} in Bitcoin to {addr} or I will send "
    "the video to all your contacts. You have {hours} hours. Don't go to the police.", spoof=True)
fam("en-bluff-pixel", B, "train", EN, "Payment overdue - final notice",
    "I'm not going to waste your time. Your computer was infected with my spyware while you browsed "
    "adult sites. I have a split-screen video of you pleasuring yourself.\nTransfer ${usd} USD in BTC to "
    "this wallet: {addr}\nI put a pixel in this email so I know when you have read it. {hours} hours, "
    "then every friend and colleague gets the clip.", spoof=True)
fam("en-bluff-short", B, "blind", EN, "Re: {pw}",
    "{pw} - yes, I know this password of yours. My trojan has been on your phone for months and the "
    "camera caught you during your private moments on xxx sites. Pay ${usd} worth of bitcoin to {addr} "
    "within {hours} hours or your family and friends will see everything. Replying is useless.",
    spoof=True)
fam("en-targeted-insta", T, "train", EN, "{name} we need to talk",
    "{name}, remember our chat on {platform}? I still have the nude photos you sent me. I have a list "
    "of your followers, your friend {friend} and everyone at {school}. Send {amount} today or I post "
    "them and tag your school. I am not joking, I know you live in {city}.")
fam("en-targeted-video-call", T, "train", EN, "your video",
    "Hi {name}, the video call we had on {platform} was recorded. You showed everything. I found your "
    "mum and your friends {friend} on Facebook. Pay {amount} via gift cards or the recording goes to "
    "all of them and to {school}. You have {hours} hours.")
fam("en-targeted-school", T, "blind", EN, "about the pictures",
    "{name}, I know who you are. You go to {school} and your best friend is {friend}. The pictures "
    "you sent me when we talked on {platform} are saved. Pay {amount} or I share them in the class "
    "group chat and send them to your teachers. Do not block me.")
fam("en-not-security", N, "train", EN, "Security alert: new sign-in to your account",
    "Hi {name},\nWe noticed a new sign-in to your account from a device in {city}. If this was you, "
    "you can ignore this email. If not, change your password now and turn on two-step verification. "
    "We will never ask you for your password or for payment by email.\nThe Accounts team")
fam("en-not-invoice", N, "train", EN, "Invoice #{order} - payment due in {hours} hours",
    "Dear {name},\nYour invoice #{order} for {amount} is due. Please pay within {hours} hours to avoid a "
    "late fee. You can pay by card or bank transfer on our website. Thank you for your business.\n"
    "Billing department")
fam("en-not-dating", N, "train", EN, "You have a new match!",
    "Hi {name}, someone near {city} liked your profile and sent you a message. Open the app to see "
    "their photos and reply. Upgrade to Premium to see who viewed you. Stay safe: never send money to "
    "someone you have not met.")
fam("en-not-warning", N, "blind", EN, "Beware of sextortion emails",
    "Dear {name},\nThis month many students at {school} received scam emails claiming that a hacker "
    "recorded them through their webcam and demanding bitcoin. These emails are a bluff: the scammers "
    "have no video. Do not pay, do not reply, and report them. If someone threatens to share real "
    "images, talk to a trusted adult.")
fam("en-not-parcel", N, "blind", EN, "Your parcel could not be delivered",
    "Hello {name}, we tried to deliver your parcel (order {order}) today in {city}. Please confirm your "
    "address and pay the redelivery fee of {amount} within {hours} hours, or the parcel will be returned. "
    "Tracking number 0034043416109404{order}.")

# ------------------------------------------------------------------------------------------ French
fam("fr-bluff-hacker", B, "train", FR, "Votre appareil a été piraté",
    "Bonjour,\nJe suis un hacker et j'ai installé un logiciel malveillant sur votre ordinateur. Votre "
    "webcam vous a filmé pendant que vous regardiez des sites pornographiques et que vous vous masturbiez. "
    "Je connais votre mot de passe : « {pw} ».\nEnvoyez {usd} USD en bitcoin à cette adresse : {addr}. "
    "Vous avez {hours} heures, sinon la vidéo sera envoyée à tous vos contacts.", spoof=True)
fam("fr-bluff-short", B, "blind", FR, "Dernier avertissement",
    "Ton ordinateur est infecté par mon cheval de Troie depuis des mois. J'ai une vidéo de toi sur des "
    "sites pour adultes, en écran partagé. Paie {usd} $ en BTC sur {addr} dans les {hours} heures ou "
    "j'envoie tout à ta famille et à tes amis. Inutile d'aller à la police.", spoof=True)
fam("fr-targeted-snap", T, "train", FR, "{name}, tu te souviens ?",
    "{name}, tu te souviens de notre conversation sur {platform} ? J'ai gardé les photos intimes que "
    "tu m'as envoyées. J'ai la liste de tes abonnés, ton ami {friend} et tout le {school}. Envoie "
    "{amount} aujourd'hui sinon je publie tout. Je sais que tu habites à {city}.")
fam("fr-targeted-call", T, "blind", FR, "la vidéo",
    "{name}, notre appel vidéo sur {platform} a été enregistré. J'ai trouvé ta mère et ton ami {friend} "
    "sur Facebook. Tu vas payer {amount} sinon j'envoie la vidéo à tous, et à ton {school}. Tu as "
    "{hours} heures.")
fam("fr-not-security", N, "train", FR, "Alerte de sécurité : nouvelle connexion",
    "Bonjour {name},\nUne nouvelle connexion à votre compte a eu lieu depuis {city}. Si c'était vous, "
    "ignorez ce message. Sinon, changez votre mot de passe. Nous ne vous demanderons jamais votre mot de "
    "passe ni un paiement par e-mail.")
fam("fr-not-invoice", N, "train", FR, "Votre facture n°{order}",
    "Bonjour {name},\nVotre facture n°{order} d'un montant de {amount} est disponible. Merci de la régler "
    "sous {hours} heures pour éviter des frais de retard. Paiement par carte ou virement.\nLe service client")
fam("fr-not-dating", N, "blind", FR, "Nouveau message sur votre profil",
    "Bonjour {name}, quelqu'un près de {city} a aimé votre profil et vous a envoyé un message. Ouvrez "
    "l'application pour voir ses photos. Conseil de sécurité : n'envoyez jamais d'argent à une personne "
    "que vous n'avez pas rencontrée. Méfiez-vous des arnaques.")

# ----------------------------------------------------------------------------------------- Spanish
fam("es-bluff-hacker", B, "train", ES, "Tu cuenta ha sido hackeada",
    "Hola,\nSoy un hacker y tengo acceso total a tu dispositivo. Instalé un troyano y tu cámara te grabó "
    "mientras veías páginas porno y te masturbabas. Tu contraseña es {pw}.\nPaga {usd} USD en bitcoin a "
    "esta billetera: {addr}. Tienes {hours} horas o enviaré el vídeo a todos tus contactos.", spoof=True)
fam("es-bluff-short", B, "blind", ES, "Aviso final",
    "Tu ordenador está infectado con mi programa espía desde hace meses. Tengo un vídeo tuyo en sitios "
    "para adultos con pantalla dividida. Transfiere {usd} $ en BTC a {addr} en {hours} horas o lo "
    "mandaré a tu familia y amigos. No acudas a la policía, es inútil.", spoof=True)
fam("es-targeted-insta", T, "train", ES, "{name}, tenemos que hablar",
    "{name}, ¿recuerdas nuestra conversación en {platform}? Tengo las fotos íntimas que me enviaste. "
    "Tengo la lista de tus seguidores, tu amigo {friend} y todo el {school}. Paga {amount} hoy o las "
    "publico. Sé que vives en {city}.")
fam("es-targeted-call", T, "blind", ES, "tu vídeo",
    "{name}, grabé nuestra videollamada de {platform}. Encontré a tu madre y a tu amigo {friend} en "
    "Facebook. Si no me mandas {amount} se lo envío a todos y a tu {school}. Tienes {hours} horas.")
fam("es-not-security", N, "train", ES, "Alerta de seguridad: nuevo inicio de sesión",
    "Hola {name},\nDetectamos un nuevo inicio de sesión en tu cuenta desde {city}. Si fuiste tú, ignora "
    "este mensaje. Si no, cambia tu contraseña. Nunca te pediremos tu contraseña ni pagos por correo.")
fam("es-not-invoice", N, "train", ES, "Factura {order}",
    "Hola {name},\nTu factura {order} por {amount} está disponible. Por favor, págala en {hours} horas "
    "para evitar recargos. Puedes pagar con tarjeta o transferencia.\nAtención al cliente")
fam("es-not-dating", N, "blind", ES, "Tienes un nuevo match",
    "Hola {name}, alguien cerca de {city} ha visto tu perfil y te ha escrito. Abre la aplicación para ver "
    "sus fotos. Consejo: nunca envíes dinero a alguien que no conoces en persona; denuncia las estafas.")

# -------------------------------------------------------------------------------------- Portuguese
fam("pt-bluff-hacker", B, "train", PT, "Sua conta foi hackeada",
    "Olá,\nSou um hacker e tenho acesso total ao seu dispositivo. Instalei um trojan e sua câmera gravou "
    "você enquanto assistia pornô e se masturbava. Sua senha é {pw}.\nPague {usd} USD em bitcoin para "
    "esta carteira: {addr}. Você tem {hours} horas ou vou enviar o vídeo para todos os seus contatos.",
    spoof=True)
fam("pt-bluff-short", B, "blind", PT, "Último aviso",
    "Seu computador está infectado com meu programa espião há meses. Tenho um vídeo seu em sites adultos "
    "com tela dividida. Transfira {usd} $ em BTC para {addr} em {hours} horas senão vou mandar para sua "
    "família e amigos. Não procure a polícia, é inútil.", spoof=True)
fam("pt-targeted-insta", T, "train", PT, "{name}, precisamos conversar",
    "{name}, lembra da nossa conversa no {platform}? Guardei os nudes que você me mandou. Tenho a lista "
    "dos seus seguidores, seu amigo {friend} e todo o {school}. Manda {amount} no pix hoje ou eu posto "
    "tudo. Sei que você mora em {city}.")
fam("pt-targeted-call", T, "blind", PT, "o vídeo",
    "{name}, gravei nossa chamada de vídeo no {platform}. Achei sua mãe e seu amigo {friend} no Facebook. "
    "Deposite {amount} ou eu mando para todos e para o {school}. Você tem {hours} horas.")
fam("pt-not-security", N, "train", PT, "Alerta de segurança: novo acesso",
    "Olá {name},\nDetectamos um novo acesso à sua conta a partir de {city}. Se foi você, ignore esta "
    "mensagem. Se não, altere sua senha. Nunca pediremos sua senha ou pagamentos por e-mail.")
fam("pt-not-invoice", N, "train", PT, "Fatura {order} disponível",
    "Olá {name},\nSua fatura {order} no valor de {amount} está disponível. Pague em até {hours} horas "
    "para evitar multa. Você pode pagar com cartão, boleto ou pix.\nAtendimento")
fam("pt-not-dating", N, "blind", PT, "Você tem um novo match",
    "Oi {name}, alguém perto de {city} curtiu seu perfil e mandou uma mensagem. Abra o aplicativo para "
    "ver as fotos. Dica de segurança: nunca envie dinheiro para quem você não conhece; denuncie golpes.")

# ------------------------------------------------------------------------------------------ German
fam("de-bluff-hacker", B, "train", DE, "Ihr Konto wurde gehackt",
    "Hallo,\nich bin ein Hacker und habe vollen Zugriff auf Ihr Gerät. Ich habe einen Trojaner "
    "installiert und Ihre Webcam hat Sie beim Ansehen von Pornoseiten und beim Masturbieren gefilmt. "
    "Ihr Passwort ist {pw}.\nÜberweisen Sie {usd} USD in Bitcoin an diese Adresse: {addr}. Sie haben "
    "{hours} Stunden, sonst schicke ich das Video an alle Ihre Kontakte.", spoof=True)
fam("de-bluff-short", B, "blind", DE, "Letzte Warnung",
    "Dein Computer ist seit Monaten mit meiner Spyware infiziert. Ich habe ein Video von dir auf "
    "Erwachsenenseiten, im geteilten Bildschirm. Zahl {usd} $ in BTC an {addr} innerhalb von {hours} "
    "Stunden, oder ich schicke es deiner Familie und deinen Freunden. Die Polizei ist nutzlos.", spoof=True)
fam("de-targeted-insta", T, "train", DE, "{name}, wir müssen reden",
    "{name}, erinnerst du dich an unseren Chat auf {platform}? Ich habe die Nacktbilder, die du mir "
    "geschickt hast. Ich habe die Liste deiner Follower, deinen Freund {friend} und die ganze Klasse am "
    "{school}. Zahl {amount} heute, sonst poste ich alles. Ich weiß, dass du in {city} wohnst.")
fam("de-targeted-call", T, "blind", DE, "das Video",
    "{name}, ich habe unseren Videoanruf auf {platform} aufgenommen. Ich habe deine Mutter und deinen "
    "Freund {friend} auf Facebook gefunden. Überweis {amount}, sonst bekommen alle das Video, auch dein "
    "{school}. Du hast {hours} Stunden.")
fam("de-not-security", N, "train", DE, "Sicherheitswarnung: neue Anmeldung",
    "Hallo {name},\nwir haben eine neue Anmeldung bei Ihrem Konto aus {city} festgestellt. Wenn Sie das "
    "waren, ignorieren Sie diese Nachricht. Wenn nicht, ändern Sie Ihr Passwort. Wir fragen nie per "
    "E-Mail nach Ihrem Passwort oder nach Zahlungen.")
fam("de-not-invoice", N, "train", DE, "Ihre Rechnung {order}",
    "Hallo {name},\nIhre Rechnung {order} über {amount} ist fällig. Bitte zahlen Sie innerhalb von "
    "{hours} Stunden, um Mahngebühren zu vermeiden. Zahlung per Karte oder Überweisung.\nIhr Kundenservice")
fam("de-not-dating", N, "blind", DE, "Du hast ein neues Match",
    "Hallo {name}, jemand in der Nähe von {city} mag dein Profil und hat dir geschrieben. Öffne die App, "
    "um die Fotos zu sehen. Sicherheitstipp: Schick nie Geld an Menschen, die du nicht kennst; melde "
    "Betrüger.")

FAMILIES = F
