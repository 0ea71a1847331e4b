"""Demo customers of Andes Sport: 500 Chileans known on 2–4 channels, and planted duplicates
written in messy formats for the review queue. Everything goes through the services (identify,
consent), deterministic from the seed, with the clock moved so that histories spread over two years.
"""

from __future__ import annotations

import random
from datetime import timedelta

from omnicanal.core import clock
from omnicanal.customers import matching, services
from omnicanal.customers.normalize import try_normalize

FEMALE = ["Sofía", "Isidora", "Florencia", "Valentina", "Catalina", "Fernanda", "Constanza", "Javiera", "Antonia",
          "Martina", "Camila", "Francisca", "Josefa", "Agustina", "Emilia", "Trinidad", "Macarena", "Daniela",
          "Carolina", "Paulina", "María José", "Ignacia", "Amanda", "Renata", "Victoria", "Paz", "Lorena", "Marcela"]
MALE = ["Benjamín", "Vicente", "Martín", "Matías", "Joaquín", "Agustín", "Cristóbal", "Maximiliano", "Sebastián",
        "Tomás", "Diego", "Nicolás", "Felipe", "Ignacio", "Francisco", "José", "Rodrigo", "Gonzalo", "Cristian",
        "Patricio", "Luis", "Marcelo", "Alonso", "Lucas", "Bastián", "Juan Pablo", "Álvaro", "Manuel"]
SURNAMES = ["González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva", "Martínez", "Sepúlveda",
            "Morales", "Rodríguez", "López", "Fuentes", "Hernández", "Torres", "Araya", "Flores", "Espinoza",
            "Valenzuela", "Castillo", "Tapia", "Reyes", "Gutiérrez", "Castro", "Pizarro", "Álvarez", "Vásquez",
            "Sánchez", "Fernández", "Ramírez", "Carrasco", "Gómez", "Cortés", "Herrera", "Núñez", "Jara", "Vergara",
            "Rivera", "Figueroa", "Riquelme", "Bravo", "Vera", "Molina", "Vega", "Campos", "Sandoval", "Olivares",
            "Orellana", "Zúñiga", "Gallardo", "Saavedra", "Navarro", "Aguilera", "Cáceres", "Henríquez", "Salazar"]
NICKNAMES = {"Francisco": "Pancho", "Ignacio": "Nacho", "José": "Pepe", "Catalina": "Cata", "Valentina": "Vale",
             "Sebastián": "Seba", "Benjamín": "Benja", "Macarena": "Maca", "Fernanda": "Feña", "Luis": "Lucho",
             "Constanza": "Coni", "Rodrigo": "Rodri", "Nicolás": "Nico", "Gonzalo": "Gonza", "Javiera": "Javi",
             "Daniela": "Dani", "Carolina": "Caro", "Paulina": "Pauli", "Isidora": "Isi", "Marcelo": "Chelo",
             "Patricio": "Pato", "Cristian": "Cris", "Francisca": "Fran", "Florencia": "Flo"}
PLACES = [  # (city, region, streets)
    ("Santiago", "RM", ["Av. Libertador Bernardo O'Higgins", "Calle Huérfanos", "Calle Agustinas", "Av. Santa Rosa"]),
    ("Providencia", "RM", ["Av. Providencia", "Av. Pedro de Valdivia", "Calle Los Leones", "Av. Manuel Montt"]),
    ("Ñuñoa", "RM", ["Av. Irarrázaval", "Calle Dublé Almeyda", "Av. Grecia", "Calle Simón Bolívar"]),
    ("Las Condes", "RM", ["Av. Apoquindo", "Av. Cristóbal Colón", "Calle Málaga", "Av. Manquehue Sur"]),
    ("Maipú", "RM", ["Av. Pajaritos", "Av. 5 de Abril", "Calle Ramón Freire"]),
    ("La Florida", "RM", ["Av. Vicuña Mackenna", "Av. La Florida", "Calle Walker Martínez"]),
    ("Valparaíso", "V", ["Av. Pedro Montt", "Av. Brasil", "Calle Condell", "Av. Alemania"]),
    ("Viña del Mar", "V", ["Av. Libertad", "Calle Valparaíso", "Av. San Martín", "Calle 5 Norte"]),
    ("Concepción", "VIII", ["Calle Barros Arana", "Av. Chacabuco", "Calle O'Higgins", "Av. Paicaví"]),
    ("Talcahuano", "VIII", ["Av. Colón", "Calle Valdivia", "Av. Las Golondrinas"]),
]
DOMAINS = ["gmail.com", "gmail.com", "gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "live.cl", "vtr.net"]
CUSTOMERS = 500
ANONYMOUS_VISITORS = 25


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        digits = f"9{rng.randint(3, 9)}{rng.randint(0, 9999999):07d}"
        if digits not in used and try_normalize("phone", f"+56{digits}"):
            used.add(digits)
            return digits


def _messy_phone(rng: random.Random, digits: str) -> str:
    """The same mobile as people type it: '9 8765 4321', '+56 9 8765 4321', '56987654321'…"""
    a, b, c = digits[0], digits[1:5], digits[5:]
    return rng.choice([f"{a} {b} {c}", f"+56 {a} {b} {c}", f"56{digits}", f"+56{digits}", f"({a}) {b}-{c}", f"0{digits}"])


def _email(rng: random.Random, first: str, last: str, used: set[str]) -> str:
    f, s = matching.fold(first).replace(" ", ""), matching.fold(last).replace(" ", "")
    base = rng.choice([f"{f}.{s}", f"{f[0]}{s}", f"{f}{s}", f"{f}_{s}", f"{s}.{f}"])
    email = f"{base}@{rng.choice(DOMAINS)}"
    while email in used:
        email = f"{base}{rng.randint(1, 99)}@{email.split('@')[1]}"
    used.add(email)
    return email


def _person(rng: random.Random, used_phones: set[str], used_emails: set[str]) -> dict:
    female = rng.random() < 0.52
    first = rng.choice(FEMALE if female else MALE)
    paternal, maternal = rng.sample(SURNAMES, 2)
    city, region, streets = rng.choice(PLACES)
    line1 = f"{rng.choice(streets)} {rng.randint(100, 4999)}"
    if rng.random() < 0.35:
        line1 += f", depto {rng.randint(11, 1908)}"
    return {
        "first": first, "paternal": paternal, "maternal": maternal,
        "name": f"{first} {paternal} {maternal}",
        "phone": _phone(rng, used_phones), "email": _email(rng, first, paternal, used_emails),
        "address": {"line1": line1, "city": city, "region": region, "country": "CL"},
    }


def _channels(rng: random.Random, person: dict, index: int) -> list[tuple[str, list[dict]]]:
    """2–4 channels this person used, in the order they first came."""
    phone, email = person["phone"], person["email"]
    options = [
        ("web", [{"kind": "email", "value": rng.choice([email, email.upper(), email.title()])},
                 {"kind": "phone", "value": _messy_phone(rng, phone)}]),
        ("pos", [{"kind": "phone", "value": _messy_phone(rng, phone)}, {"kind": "email", "value": email},
                 {"kind": "loyalty_card", "value": f"700{index:06d}"}]),
        ("whatsapp", [{"kind": "whatsapp", "value": f"56{phone}"}]),
        ("app", [{"kind": "app_device", "value": f"dev-{index:05d}-{rng.randint(1000, 9999)}"},
                 {"kind": "email", "value": email, "verified": True}]),
        ("webchat", [{"kind": "webchat", "value": f"wc-{index:05d}"}, {"kind": "email", "value": email}]),
        ("telegram", [{"kind": "telegram", "value": str(100000000 + index * 7919)}, {"kind": "phone", "value": phone}]),
        ("instagram", [{"kind": "instagram", "value": f"ig-{17800000000 + index}"},
                       {"kind": "email", "value": email}]),
        ("marketplace", [{"kind": "marketplace", "value": f"MLC-{2000000 + index * 13}"},
                         {"kind": "email", "value": email}]),
    ]
    weights = [30, 25, 22, 12, 8, 5, 6, 6]
    count = rng.choice([2, 2, 3, 3, 3, 4])
    # They first came through the shop or a store, where both email and phone are asked; every later
    # channel carries something already known, so it joins the same customer.
    chosen: list[int] = [rng.choice([0, 0, 1])]
    while len(chosen) < count:
        pick = rng.choices(range(len(options)), weights=weights)[0]
        if pick not in chosen:
            chosen.append(pick)
    return [options[i] for i in chosen]


def _at(rng: random.Random, start, days: int):
    return start + timedelta(days=rng.randint(0, days), hours=rng.randint(9, 21), minutes=rng.randint(0, 59))


def load(*, seed: int, rng: random.Random, out) -> None:
    used_phones: set[str] = set()
    used_emails: set[str] = set()
    now = clock.now()
    epoch = now - timedelta(days=730)
    people: list[tuple[dict, str]] = []

    # The first demo customer is the one the docs and tests talk about: phone 9 8765 4321.
    for index in range(CUSTOMERS):
        person = _person(rng, used_phones, used_emails)
        if index == 0:
            person.update(first="Ana", paternal="Rojas", maternal="Soto", name="Ana Rojas Soto", phone="987654321",
                          email="ana.rojas@gmail.com")
        first_at = _at(rng, epoch, 600)
        customer_id = ""
        for step, (channel, identities) in enumerate(_channels(rng, person, index)):
            with clock.frozen(first_at + timedelta(days=step * rng.randint(3, 60))):
                traits = {"name": person["name"], "language": "es", "address": person["address"]} if step == 0 else None
                customer_id = services.do_identify(channel=channel, identities=identities, traits=traits).customer_id
        people.append((person, customer_id))
        with clock.frozen(first_at + timedelta(minutes=5)):
            if rng.random() < 0.6:
                services.do_grant_consent(customer_id=customer_id, channel=rng.choice(["email", "whatsapp", "sms"]),
                                          purpose="marketing", source=rng.choice(["web", "pos", "app"]),
                                          proof="Casilla marcada en el formulario de registro")
            if rng.random() < 0.3:
                services.do_grant_consent(customer_id=customer_id, channel="email", purpose="surveys", source="web",
                                          proof="Casilla marcada en el formulario de registro")
        if rng.random() < 0.08:
            with clock.frozen(_at(rng, first_at, 90)):
                services.do_withdraw_consent(customer_id=customer_id, channel="whatsapp", purpose="marketing",
                                             source="whatsapp:STOP", proof="Mensaje «BAJA»")
        if rng.random() < 0.25:
            services.do_update_preferences(
                customer_id=customer_id, contact_from="09:00", contact_to=rng.choice(["20:00", "21:00"]),
                preferred_channels={"transactional": rng.choice(["whatsapp", "email"]), "marketing": "email"},
            )

    for index in range(ANONYMOUS_VISITORS):
        with clock.frozen(_at(rng, now - timedelta(days=30), 29)):
            services.do_identify(channel="webchat", identities=[{"kind": "webchat", "value": f"wc-anon-{index:04d}"}])

    planted = _plant_duplicates(rng, people, used_phones, used_emails, now)
    with clock.frozen(now):
        found = services.do_find_duplicates()
    out.write(f"  {CUSTOMERS} customers, {ANONYMOUS_VISITORS} anonymous visitors, {planted} planted duplicates, "
              f"{len(found)} suggestions in the review queue\n")


def _plant_duplicates(rng: random.Random, people, used_phones, used_emails, now) -> int:
    """Second profiles of the same people, as a hurried clerk or a new channel would write them."""
    planted = 0
    sample = rng.sample(people[1:], 36)
    for n, (person, _customer_id) in enumerate(sample):
        at = _at(rng, now - timedelta(days=120), 110)
        style = n % 4
        with clock.frozen(at):
            if style == 0:  # the same mailbox: dots, case and a +tag
                local, domain = person["email"].split("@")
                email = f"{local.replace('.', '').upper()}+tienda@{domain.upper()}" if domain == "gmail.com" else \
                        f"{local.title()}+promo@{domain}"
                services.do_identify(channel="web", identities=[{"kind": "email", "value": email}],
                                     traits={"name": person["name"].upper()})
            elif style == 1:  # nickname, no accents, same address typed differently
                nick = NICKNAMES.get(person["first"].split()[0], person["first"])
                name = matching.fold(f"{nick} {person['paternal']}").title()
                address = dict(person["address"])
                address["line1"] = address["line1"].replace("Av.", "Avenida").replace("Calle ", "").replace("depto", "dpto")
                services.do_identify(channel="pos", identities=[
                    {"kind": "pos_customer", "value": f"POS-{rng.randint(10000, 99999)}"},
                    {"kind": "email", "value": _email(rng, nick, person["paternal"], used_emails)},
                ], traits={"name": name, "address": address})
            elif style == 2:  # surnames first, accents dropped, same address
                name = matching.fold(f"{person['paternal']} {person['maternal']} {person['first']}").upper()
                services.do_identify(channel="marketplace", identities=[
                    {"kind": "marketplace", "value": f"MLC-9{rng.randint(100000, 999999)}"},
                    {"kind": "phone", "value": _phone(rng, used_phones)},
                ], traits={"name": name, "address": person["address"]})
            else:  # a second profile, then a form that mixes its phone with the first's email
                phone = _phone(rng, used_phones)
                services.do_identify(channel="pos", identities=[{"kind": "phone", "value": _messy_phone(rng, phone)}],
                                     traits={"name": person["first"] + " " + person["paternal"]})
                services.do_identify(channel="web", identities=[
                    {"kind": "email", "value": person["email"]}, {"kind": "phone", "value": phone}])
        planted += 1
    return planted

