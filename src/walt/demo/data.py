"""The demo site's data: a product catalogue and a ticket tracker, deterministic and resettable."""

from __future__ import annotations

import copy
import threading
from typing import Any

import attrs

__all__ = ["BRANDS", "CATEGORIES", "USERS", "Comment", "Product", "SiteData", "Ticket"]

CATEGORIES: dict[str, str] = {
    "kitchen": "Kitchen",
    "garden": "Garden",
    "books": "Books",
    "electronics": "Electronics",
    "toys": "Toys",
}
BRANDS: dict[str, str] = {
    "acme": "Acme",
    "globex": "Globex",
    "initech": "Initech",
    "umbrella": "Umbrella",
}
USERS: dict[str, str] = {"demo": "demo-password", "alice": "wonderland"}

_NOUNS: dict[str, list[str]] = {
    "kitchen": [
        "Kettle",
        "Toaster",
        "Chef Knife",
        "Frying Pan",
        "Teapot",
        "Blender",
        "Cutting Board",
        "Coffee Grinder",
        "Mixing Bowl",
        "Whisk",
        "Colander",
        "Ladle",
    ],
    "garden": [
        "Watering Can",
        "Pruning Shears",
        "Garden Hose",
        "Trowel",
        "Wheelbarrow",
        "Rake",
        "Seed Tray",
        "Plant Pot",
        "Hedge Trimmer",
        "Compost Bin",
        "Spade",
        "Lawn Sprinkler",
    ],
    "books": [
        "Cookbook",
        "Field Guide",
        "Atlas",
        "Novel",
        "Poetry Collection",
        "Biography",
        "Travel Guide",
        "Dictionary",
        "Puzzle Book",
        "Sketchbook",
        "Almanac",
        "Anthology",
    ],
    "electronics": [
        "Headphones",
        "Speaker",
        "Charger",
        "Desk Lamp",
        "Keyboard",
        "Mouse",
        "Webcam",
        "Power Bank",
        "Smart Plug",
        "Radio",
        "Thermometer",
        "Monitor Arm",
    ],
    "toys": [
        "Puzzle",
        "Kite",
        "Robot Kit",
        "Yo-yo",
        "Building Blocks",
        "Teddy Bear",
        "Board Game",
        "Toy Train",
        "Spinning Top",
        "Jump Rope",
        "Marble Run",
        "Paint Set",
    ],
}
_ADJECTIVES = [
    "Classic",
    "Compact",
    "Deluxe",
    "Electric",
    "Steel",
    "Bamboo",
    "Vintage",
    "Folding",
    "Solar",
    "Mini",
    "Pro",
    "Travel",
]


@attrs.define
class Product:
    id: int
    name: str
    category: str
    brand: str
    price: float
    in_stock: bool
    added: str
    description: str

    def public(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.define
class Comment:
    id: int
    author: str
    body: str


@attrs.define
class Ticket:
    id: int
    title: str
    description: str
    status: str
    priority: str
    author: str
    comments: list[Comment] = attrs.field(factory=list)


STATUSES = ("open", "in_progress", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")


def _products() -> list[Product]:
    products: list[Product] = []
    brands = list(BRANDS)
    pid = 1
    for c_index, (category, nouns) in enumerate(_NOUNS.items()):
        for n_index, noun in enumerate(nouns):
            adjective = _ADJECTIVES[(n_index * 5 + c_index * 3) % len(_ADJECTIVES)]
            price = round(4.5 + ((pid * 37) % 97) + (n_index % 3) * 0.49, 2)
            brand = brands[(pid * 7) % len(brands)]
            day = 1 + (pid * 11) % 28
            month = 1 + (pid * 5) % 12
            products.append(
                Product(
                    id=pid,
                    name=f"{adjective} {noun}",
                    category=category,
                    brand=brand,
                    price=price,
                    in_stock=(pid % 4) != 0,
                    added=f"2026-{month:02d}-{day:02d}",
                    description=(
                        f"A {adjective.lower()} {noun.lower()} by {BRANDS[brand]} for everyday "
                        f"{CATEGORIES[category].lower()} use."
                    ),
                )
            )
            pid += 1
    return products


def _tickets() -> list[Ticket]:
    titles = [
        ("Login page times out", "The login page spins forever on slow networks.", "open", "high"),
        ("Typo on checkout button", "It says 'Chekout'.", "closed", "low"),
        (
            "Search ignores accents",
            "Searching 'cafe' does not find 'café'.",
            "in_progress",
            "normal",
        ),
        ("Export to CSV fails", "Large exports return an error.", "open", "urgent"),
        ("Dark mode contrast", "Links are hard to read in dark mode.", "open", "normal"),
        ("Password reset email late", "Emails arrive after 10 minutes.", "in_progress", "high"),
        ("Broken image on home page", "The hero image 404s.", "closed", "normal"),
        ("Add sorting by date", "Users want newest first.", "open", "low"),
    ]
    tickets = []
    for i, (title, description, status, priority) in enumerate(titles, start=1):
        comments = [Comment(1, "alice", "I can reproduce this.")] if i % 3 == 1 else []
        tickets.append(Ticket(i, title, description, status, priority, "demo", comments))
    return tickets


class SiteData:
    """The mutable state of one demo site, guarded by a lock (the server is threaded)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.products: list[Product] = _products()
        self.tickets: list[Ticket] = _tickets()
        self._next_ticket = len(self.tickets) + 1
        self._next_comment = 100

    def reset(self) -> None:
        with self.lock:
            self.__init__()  # type: ignore[misc]

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of everything a write could change (tests compare two snapshots)."""
        with self.lock:
            return {
                "products": [attrs.asdict(p) for p in self.products],
                "tickets": copy.deepcopy([attrs.asdict(t) for t in self.tickets]),
            }

    def product(self, pid: int) -> Product | None:
        return next((p for p in self.products if p.id == pid), None)

    def ticket(self, tid: int) -> Ticket | None:
        return next((t for t in self.tickets if t.id == tid), None)

    def add_ticket(self, title: str, description: str, priority: str, author: str) -> Ticket:
        with self.lock:
            ticket = Ticket(self._next_ticket, title, description, "open", priority, author)
            self._next_ticket += 1
            self.tickets.append(ticket)
            return ticket

    def add_comment(self, ticket: Ticket, author: str, body: str) -> Comment:
        with self.lock:
            comment = Comment(self._next_comment, author, body)
            self._next_comment += 1
            ticket.comments.append(comment)
            return comment

    def delete_ticket(self, tid: int) -> bool:
        with self.lock:
            before = len(self.tickets)
            self.tickets = [t for t in self.tickets if t.id != tid]
            return len(self.tickets) != before

    def search_products(
        self,
        q: str = "",
        category: str = "",
        brand: str = "",
        in_stock: bool = False,
        min_price: float | None = None,
        max_price: float | None = None,
        sort: str = "relevance",
    ) -> list[Product]:
        """The catalogue's own search (tests check walt's records against it)."""
        terms = [t for t in q.lower().split() if t]
        found = [
            p
            for p in self.products
            if all(t in f"{p.name} {p.description}".lower() for t in terms)
            and (not category or p.category == category)
            and (not brand or p.brand == brand)
            and (not in_stock or p.in_stock)
            and (min_price is None or p.price >= min_price)
            and (max_price is None or p.price <= max_price)
        ]
        keys = {
            "price_asc": (lambda p: (p.price, p.id), False),
            "price_desc": (lambda p: (p.price, -p.id), True),
            "name": (lambda p: (p.name.lower(), p.id), False),
            "newest": (lambda p: (p.added, p.id), True),
        }
        if sort in keys:
            key, reverse = keys[sort]
            found.sort(key=key, reverse=reverse)
        return found

    def search_tickets(self, q: str = "", status: str = "", priority: str = "") -> list[Ticket]:
        terms = [t for t in q.lower().split() if t]
        return [
            t
            for t in self.tickets
            if all(term in f"{t.title} {t.description}".lower() for term in terms)
            and (not status or t.status == status)
            and (not priority or t.priority == priority)
        ]
