"""The seeded people: customer i's email, organization and contact, derived from i alone.

The load process rebuilds any seeded customer's address from its number, so it needs neither the
database nor a list of a million addresses. Emails are stored display-cased; the normalized form
is the lower-cased address, which is what the email rule gives for these ASCII addresses.
"""

FIRST = ("Ada", "Alan", "Barbara", "Claude", "Dennis", "Edsger", "Frances", "Grace", "Hedy",
         "Ken", "Linus", "Margaret", "Niklaus", "Radia", "Shafi", "Tim", "Vint", "Whitfield",
         "Yukihiro", "Zhang")
LAST = ("Lovelace", "Turing", "Liskov", "Shannon", "Ritchie", "Dijkstra", "Allen", "Hopper",
        "Lamarr", "Thompson", "Torvalds", "Hamilton", "Wirth", "Perlman", "Goldwasser",
        "Berners-Lee", "Cerf", "Diffie", "Matsumoto", "Yitang")
ORGS = ("Northwind", "Contoso", "Fabrikam", "Initech", "Globex", "Umbrella", "Hooli", "Acme",
        "Vandelay", "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Stark", "Wayne", "Oscorp")
KINDS = ("Traders", "Labs", "Systems", "Logistics", "Health")

# Customer 0 has a long history: the lookups and issues of a customer with 100 licenses.
VETERAN = 0
VETERAN_LICENSES = 100


def mix(i):
    """Knuth's multiplicative hash: neighbouring numbers get unrelated names and counts."""
    return (i * 2654435761) & 0xFFFFFFFF


def customer(i):
    """(email as entered, normalized email, organization, contact name) of customer i."""
    h = mix(i)
    first, last = FIRST[h % 20], LAST[(h >> 5) % 20]
    org = ORGS[(h >> 10) % len(ORGS)]
    email = f"{first}.{last}.{i}@{org}-{(h >> 14) % 1000}.Example"
    return email, email.lower(), f"{org} {KINDS[(h >> 24) % 5]}", f"{first} {last}"


def license_count(i):
    """How many licenses customer i was seeded with: 0 to 3, and 100 for the veteran."""
    return VETERAN_LICENSES if i == VETERAN else (mix(i) >> 28) % 4


def missing_email(j):
    """An address no seeded customer has."""
    return f"Nobody.{j}@Missing-{j % 1000}.Example"


def new_email(tag, j):
    """A fresh address for issuing to a new customer; tag keeps runs and clients apart."""
    return f"new.{tag}.{j}@signup-{j % 1000}.example"
