"""
Demo data for `manage.py seed_demo`: believable creators, fans, follows and their history.

Everything is derived from one integer seed, so the same seed always yields the same
handles, names and follow graph. Each fan's data comes from its own `random.Random`
keyed by (seed, fan number), which keeps the data stable when `--fans` grows: seeding
60 fans and then 100 gives exactly what seeding 100 at once gives.

Idempotent by natural keys: creators by handle, fans by email, follows by their unique
(follower, followed) pair. A second run finds everything in place and writes nothing.

The hand-written creators go through the real use case (`shops.services.shop_open`) and
their images through the real image gate, so demo data looks exactly like data made in
the browser. Generated creators (`--creators` beyond the hand-written ones) are
bulk-inserted with what `shop_open` writes (user, verified address, profile, shop, the
`shop_opened` event as history) and avatars/banners from a small pool made through the
same gate: 1,000 creators take seconds, not six minutes.
Fans and follows are bulk-inserted (one password hash shared by all) and the follow
events copied from the follow rows in one set-based INSERT ... SELECT, so `--fans 100000`
takes well under a minute rather than hours. Those events are *history* (`dispatched_at`
= `created_at`, spread over the last 90 days), not new work for the event pipeline.

Products (the data is in `demo_catalog`) come after the creators: the hand-written
creators sell their own range, each product with 1-3 generated photos of its own through
the image gate; generated creators sell `--products-per-creator` products from their
craft, whose photos share a small pool of pre-generated images (so 1,000 creators x 50
products cost a few dozen image encodings). Products are keyed by (shop, slug) and
bulk-inserted with their tags and image rows.

Each phase (staff, creators, products, fans, follows) runs in one transaction: a crash
leaves no half-written phase, and running the command again completes the rest. Posts
(relcommerce/demo_social.py), reviews (with the paid orders that make them verified
purchases, through the real services: `demo_reviews`), then the conversation (comments,
questions, replies, likes: `demo_conversation`) come last.
"""

import functools
import io
import math
import random
import time
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import F, Max
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from core import images
from core.images import PRODUCT, CleanImage, StoredImage, clean_image_upload, store_image
from core.rich_text import markdown_to_html
from creators.models import CreatorProfile, EngagementEvent, EventKind, Follow, User
from creators.selectors import handle_is_taken
from relcommerce import (
    demo_catalog,
    demo_conversation,
    demo_reviews,
    demo_social,
    demo_tastemakers,
)
from relcommerce.demo_catalog import RANDOM_STOCK, ProductSeed
from shops.downloads import delete_private_files, digital_file_name, private_storage
from shops.models import Product, ProductImage, ProductKind, ProductStatus, Shop, Tag
from shops.services import shop_open

DEMO_DOMAIN = "demo.relcommerce.test"
# Public by design: printed by the command for anyone to log in to a demo site. The
# command refuses to run with DEBUG off unless told that this is really intended.
DEMO_PASSWORD = "relcommerce-demo"  # noqa: S105
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"

DEFAULT_SEED = 42
DEFAULT_FANS = 60
DEFAULT_CREATORS = 8
DEFAULT_PRODUCTS_PER_CREATOR = 8  # generated creators; hand-written ones sell their own range
BATCH_SIZE = 5000

PRODUCT_IMAGE_SIDE = 640  # px; the grid variant is 480, larger variants are not upscaled
# Generated creators' products share this many pre-generated images per shape, so 50,000
# products cost a few dozen image encodings rather than a hundred thousand.
IMAGE_POOL_PER_SHAPE = 3

HISTORY_DAYS = 90  # follows (and their events) spread over this many days before now
FAN_JOIN_DAYS = 120  # fans joined within this many days; recent sign-ups more common
DEMO_FAN_FOLLOWS = 4  # fan00001, the printed fan login, follows this many top creators
# How many creators a fan follows (capped by the number of creators), and how often.
FOLLOW_COUNTS = (1, 2, 3, 4, 6)
FOLLOW_COUNT_WEIGHTS = (50, 25, 12, 8, 5)  # two on average
# Creator popularity follows a Zipf law over their rank: a few creators are far more
# followed than the rest, as on every real platform.
POPULARITY_EXPONENT = 1.5  # with 8 creators the top one has ~10x the followers of the last

# Fans who comment and like in the demo conversation: the first ones, and only once they
# all exist, so the conversation is the same whatever --fans is (and however it grew).
DEMO_TALKING_FANS = 25

Log = Callable[[str], None]


# --- The cast --------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatorSeed:
    handle: str
    display_name: str
    owner_name: str
    bio: str
    colors: tuple[str, str, str]  # gradient start, gradient end, accent
    featured: bool = False


# Hand-written creators, most popular first. The first one is the printed creator login.
CREATORS: tuple[CreatorSeed, ...] = (
    CreatorSeed(
        "mara_clay",
        "Mara Clayworks",
        "Mara Okafor",
        "Wheel-thrown stoneware from a one-room studio in Porto. Speckled glazes, mugs "
        "that fit two hands, and a kiln with opinions. New batches on the first Sunday "
        "of the month.",
        ("#b5562f", "#f1dcc3", "#5a2a17"),
        featured=True,
    ),
    CreatorSeed(
        "north_loop_knits",
        "North Loop Knits",
        "Ingrid Halvorsen",
        "Hand-knit sweaters, hats and mittens in undyed Shetland and Norwegian wool. "
        "Patterns for makers, finished pieces for everyone else.",
        ("#3d5a80", "#e0e6ed", "#1d2d44"),
        featured=True,
    ),
    CreatorSeed(
        "ember_oak_roasters",
        "Ember & Oak Roasters",
        "Tomás Rivera",
        "Small-batch coffee roasted every Tuesday and shipped by Wednesday. Direct-trade "
        "lots from Huila, Sidamo and Minas Gerais, with tasting notes we actually taste.",
        ("#3b2314", "#d9a05b", "#f4e1c1"),
        featured=True,
    ),
    CreatorSeed(
        "juno_draws",
        "Juno Park Illustration",
        "Juno Park",
        "Risograph prints, zines and stickers about cats doing small jobs and plants "
        "having big feelings. Commissions open twice a year.",
        ("#2a9d8f", "#f6bd60", "#e76f51"),
        featured=True,
    ),
    CreatorSeed(
        "fern_hollow_candles",
        "Fern Hollow Candles",
        "Priya Natarajan",
        "Hand-poured soy candles that smell like places: a pine forest after rain, a "
        "bakery at six in the morning, a library in winter.",
        ("#606c38", "#fefae0", "#283618"),
    ),
    CreatorSeed(
        "saltwater_silver",
        "Saltwater Silver",
        "Elin Marsh",
        "Rings, chains and tiny charms forged from recycled silver by the sea in "
        "Cornwall. Every piece is stamped and comes with a story.",
        ("#14213d", "#a8dadc", "#e5e5e5"),
        featured=True,
    ),
    CreatorSeed(
        "gwens_greenhouse",
        "Gwen's Greenhouse",
        "Gwen Adeyemi",
        "Rooted cuttings of rare houseplants, grown in a converted Victorian greenhouse. "
        "Care notes with every plant and a replacement if it sulks.",
        ("#2d6a4f", "#b7e4c7", "#081c15"),
    ),
    CreatorSeed(
        "lou_letterpress",
        "Lou's Letterpress",
        "Louis Bernard",
        "Cards, notebooks and wedding suites printed on a 1912 Heidelberg platen. "
        "Cotton paper, deep impressions, terrible puns optional.",
        ("#9d0208", "#fdf0d5", "#370617"),
    ),
    CreatorSeed(
        "bindery_and_bone",
        "Bindery & Bone",
        "Hana Sato",
        "Hand-bound journals with Coptic stitching, marbled endpapers and paper that "
        "takes fountain pen ink without a ghost.",
        ("#6d597a", "#eaac8b", "#355070"),
    ),
    CreatorSeed(
        "tidepool_soap",
        "Tidepool Soap Co.",
        "Marisol Vega",
        "Cold-process soaps with seaweed, clay and cold-pressed oils, cured for six "
        "weeks and wrapped in paper, never plastic.",
        ("#0077b6", "#caf0f8", "#03045e"),
    ),
)

FIRST_NAMES = (
    "Ada", "Aiko", "Amara", "Ana", "Anders", "Aziz", "Bea", "Bruno", "Camille", "Chen",
    "Dara", "Diego", "Elif", "Emeka", "Esme", "Farah", "Felix", "Freya", "Gabriel", "Hana",
    "Hugo", "Imani", "Ines", "Isak", "Jonah", "Kai", "Kavya", "Leila", "Leon", "Lucia",
    "Malik", "Mateo", "Maya", "Mei", "Mina", "Nadia", "Nico", "Noor", "Olu", "Omar",
    "Priya", "Rafael", "Rosa", "Sami", "Sana", "Sofia", "Tariq", "Theo", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Abara", "Almeida", "Andersson", "Bakker", "Bianchi", "Brennan", "Castillo", "Chowdhury",
    "Costa", "Dubois", "Eriksen", "Fischer", "Fontaine", "Garcia", "Haddad", "Hansen",
    "Ito", "Jensen", "Kaur", "Kim", "Kowalski", "Laine", "Lopez", "Mbeki", "Moreau",
    "Murphy", "Nakamura", "Novak", "Nowak", "Okafor", "Olsen", "Park", "Petrov", "Quinn",
    "Rahman", "Reyes", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Tanaka", "Torres",
    "Varga", "Walsh", "Weber", "Yilmaz", "Young", "Zhang", "Zielinski",
)  # fmt: skip

# Crafts for generated creators: handle suffix, display-name suffix, what they make.
CRAFTS = (
    ("woodworks", "Woodworks", "Spoons, boards and stools carved from storm-fallen oak."),
    ("pottery", "Pottery", "Everyday tableware thrown on the wheel and glazed in small batches."),
    ("prints", "Prints", "Screen-printed posters and tote bags in limited runs."),
    ("leather", "Leathercraft", "Wallets and belts in vegetable-tanned leather, saddle-stitched."),
    ("glass", "Glass Studio", "Blown glass tumblers and vases, every one a little different."),
    ("quilts", "Quilts", "Patchwork quilts pieced from vintage shirting and feed sacks."),
    ("tea", "Tea Co.", "Loose-leaf blends mixed by hand, named after the weather."),
    ("hotsauce", "Hot Sauce", "Fermented chilli sauces, from gentle to regrettable."),
    ("weaving", "Weaving", "Wall hangings and table runners woven on a floor loom."),
    ("vintage", "Vintage", "Hand-picked vintage denim and workwear, mended and washed."),
    ("honey", "Honey", "Raw honey from a dozen rooftop hives, harvested twice a year."),
    ("baskets", "Baskets", "Willow and rush baskets woven from our own coppice."),
    ("jewelry", "Jewelry", "Brass and gold-fill earrings shaped by hand."),
    ("bakes", "Bakes", "Shortbread, biscotti and granola that travel well."),
    ("dyeworks", "Dyeworks", "Yarn and linen dyed with madder, indigo and weld."),
    ("bikes", "Bike Works", "Restored steel road bikes and hand-sewn saddle bags."),
)  # fmt: skip
BIO_CLOSERS = (
    "Made to order in small batches.",
    "Ships every Friday.",
    "Studio visits by appointment.",
    "Everything is made by one pair of hands.",
    "Restocks are announced here first.",
    "Gift wrapping on request.",
)
PALETTES = (
    ("#264653", "#e9c46a", "#f4a261"),
    ("#5f0f40", "#fb8b24", "#0f4c5c"),
    ("#1b4332", "#d8f3dc", "#40916c"),
    ("#22223b", "#c9ada7", "#4a4e69"),
    ("#bc4749", "#f2e8cf", "#386641"),
    ("#003049", "#fcbf49", "#d62828"),
    ("#7b2cbf", "#e0aaff", "#240046"),
    ("#335c67", "#fff3b0", "#e09f3e"),
)


def fan_email(index: int) -> str:
    return f"fan{index:05d}@{DEMO_DOMAIN}"


def creator_email(handle: str) -> str:
    return f"{handle.lower()}@{DEMO_DOMAIN}"


def creator_plan(*, seed: int, count: int) -> list[CreatorSeed]:
    """The creators to seed, most popular first: the hand-written ones, then generated."""
    plan = list(CREATORS[:count])
    rng = random.Random(f"{seed}:creators")
    taken = {creator.handle.lower() for creator in plan}
    while len(plan) < count:
        first = rng.choice(FIRST_NAMES)
        slug, title, blurb = rng.choice(CRAFTS)
        handle = f"{first.lower()}_{slug}"
        if handle in taken:
            handle = f"{handle}{rng.randint(2, 999)}"
            if handle in taken:
                continue
        taken.add(handle)
        plan.append(
            CreatorSeed(
                handle=handle,
                display_name=f"{first} {title}",
                owner_name=f"{first} {rng.choice(LAST_NAMES)}",
                bio=f"{blurb} {rng.choice(BIO_CLOSERS)}",
                colors=rng.choice(PALETTES),
            )
        )
    return plan


# --- Images ----------------------------------------------------------------------------


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def _gradient(size: tuple[int, int], start: str, end: str, angle: float) -> Image.Image:
    """A linear gradient from `start` to `end` at `angle` degrees, filling `size`."""
    width, height = size
    side = math.ceil(math.hypot(width, height)) + 2
    # A square rotated about its centre still covers the circle inscribed in it, and the
    # centred width x height crop lies inside that circle.
    mask = Image.linear_gradient("L").resize((side, side)).rotate(angle, Image.Resampling.BICUBIC)
    left, top = (side - width) // 2, (side - height) // 2
    mask = mask.crop((left, top, left + width, top + height))
    return Image.composite(
        Image.new("RGB", size, _rgb(end)), Image.new("RGB", size, _rgb(start)), mask
    )


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)  # the image gate re-encodes it anyway
    return buffer.getvalue()


def _initials(display_name: str) -> str:
    words = [word for word in display_name.replace("&", " ").split() if word[0].isalnum()]
    return "".join(word[0] for word in words[:2]).upper()


def avatar_png(creator: CreatorSeed, *, seed: int) -> bytes:
    """A 400 x 400 avatar: gradient, a few soft circles, and the creator's initials."""
    rng = random.Random(f"{seed}:avatar:{creator.handle}")
    size = 400
    start, end, accent = creator.colors
    image = _gradient((size, size), start, end, rng.uniform(0, 360)).convert("RGBA")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(rng.randint(3, 6)):
        radius = rng.randint(40, 150)
        x, y = rng.randint(0, size), rng.randint(0, size)
        fill = (*_rgb(rng.choice((accent, end, "#ffffff"))), rng.randint(40, 110))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
    image = Image.alpha_composite(image, overlay)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=170)
    centre = (size // 2, size // 2 + 6)
    draw.text((centre[0] + 4, centre[1] + 5), _initials(creator.display_name), font=font,
              fill=(0, 0, 0, 90), anchor="mm")  # fmt: skip
    draw.text(centre, _initials(creator.display_name), font=font, fill="#ffffff", anchor="mm")
    return _png(image.convert("RGB"))


def banner_png(creator: CreatorSeed, *, seed: int) -> bytes:
    """An 1800 x 600 banner (the largest banner variant): gradient and a pattern."""
    rng = random.Random(f"{seed}:banner:{creator.handle}")
    width, height = 1800, 600
    start, end, accent = creator.colors
    image = _gradient((width, height), start, end, rng.uniform(0, 360)).convert("RGBA")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    motif = rng.choice(("circles", "dots", "waves", "stripes"))
    ink = _rgb(accent)
    if motif == "circles":
        for _ in range(rng.randint(8, 14)):
            radius = rng.randint(60, 260)
            x, y = rng.randint(0, width), rng.randint(0, height)
            draw.ellipse((x - radius, y - radius, x + radius, y + radius),
                         fill=(*ink, rng.randint(30, 90)))  # fmt: skip
    elif motif == "dots":
        step = rng.randint(40, 70)
        for row, y in enumerate(range(step // 2, height, step)):
            for x in range(step // 2 + (row % 2) * step // 2, width, step):
                radius = rng.randint(5, 12)
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*ink, 110))
    elif motif == "waves":
        amplitude, wavelength = rng.randint(15, 40), rng.randint(180, 360)
        for y0 in range(-40, height + 40, rng.randint(45, 80)):
            points = [
                (x, y0 + amplitude * math.sin(2 * math.pi * x / wavelength))
                for x in range(0, width + 10, 10)
            ]
            draw.line(points, fill=(*ink, 120), width=rng.randint(4, 10))
    else:
        gap, thickness = rng.randint(60, 120), rng.randint(14, 40)
        for x in range(-height, width, gap):
            draw.polygon(
                [
                    (x, height),
                    (x + thickness, height),
                    (x + thickness + height, 0),
                    (x + height, 0),
                ],
                fill=(*ink, 80),
            )
    return _png(Image.alpha_composite(image, overlay).convert("RGB"))


def _through_gate(name: str, content: bytes) -> CleanImage:
    """Hand generated PNG bytes through the same gate as a browser upload."""
    return clean_image_upload(SimpleUploadedFile(name, content, content_type="image/png"))


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)  # like a phone photo; the gate re-encodes it
    return buffer.getvalue()


def _draw_object(draw: ImageDraw.ImageDraw, shape: str, *, box, colors, rng) -> None:
    """Draw a simple stand-in for the product (`shape`) centred in `box`."""
    cx, cy, r = box
    body, light, accent = (_rgb(color) for color in colors)
    width = max(2, int(r * 0.14))
    if shape == "mug":
        draw.ellipse((cx + 0.2 * r, cy - 0.35 * r, cx + 0.85 * r, cy + 0.35 * r),
                     outline=body, width=width)  # fmt: skip
        draw.rounded_rectangle((cx - 0.6 * r, cy - 0.6 * r, cx + 0.45 * r, cy + 0.65 * r),
                               radius=int(0.18 * r), fill=body)  # fmt: skip
        draw.ellipse((cx - 0.6 * r, cy - 0.72 * r, cx + 0.45 * r, cy - 0.48 * r), fill=accent)
    elif shape == "bowl":
        draw.pieslice((cx - r, cy - 0.9 * r, cx + r, cy + 0.8 * r), 0, 180, fill=body)
        draw.ellipse((cx - r, cy - 0.14 * r, cx + r, cy + 0.14 * r), fill=accent)
    elif shape == "tall":
        draw.rounded_rectangle((cx - 0.4 * r, cy - 0.85 * r, cx + 0.4 * r, cy + 0.8 * r),
                               radius=int(0.12 * r), fill=body)  # fmt: skip
        draw.rectangle((cx - 0.4 * r, cy - 0.1 * r, cx + 0.4 * r, cy + 0.35 * r), fill=light)
        draw.line((cx, cy - 0.85 * r, cx, cy - 1.0 * r), fill=accent, width=width // 2)
    elif shape == "ring":
        draw.ellipse((cx - 0.75 * r, cy - 0.6 * r, cx + 0.75 * r, cy + 0.75 * r),
                     outline=body, width=int(r * 0.2))  # fmt: skip
        draw.ellipse((cx - 0.2 * r, cy - 0.9 * r, cx + 0.2 * r, cy - 0.5 * r), fill=accent)
    elif shape == "plant":
        for _ in range(rng.randint(5, 8)):
            angle = rng.uniform(-1.3, 1.3) - math.pi / 2
            lx, ly = cx + math.cos(angle) * 0.6 * r, cy - 0.2 * r + math.sin(angle) * 0.6 * r
            draw.ellipse((lx - 0.3 * r, ly - 0.2 * r, lx + 0.3 * r, ly + 0.2 * r),
                         fill=(45, 106, 79))  # fmt: skip
        draw.polygon([(cx - 0.5 * r, cy), (cx + 0.5 * r, cy), (cx + 0.38 * r, cy + 0.85 * r),
                      (cx - 0.38 * r, cy + 0.85 * r)], fill=body)  # fmt: skip
    elif shape == "bag":
        draw.polygon([(cx - 0.55 * r, cy - 0.7 * r), (cx + 0.55 * r, cy - 0.7 * r),
                      (cx + 0.62 * r, cy + 0.85 * r), (cx - 0.62 * r, cy + 0.85 * r)],
                     fill=body)  # fmt: skip
        draw.rectangle((cx - 0.55 * r, cy - 0.85 * r, cx + 0.55 * r, cy - 0.7 * r), fill=accent)
        draw.rectangle((cx - 0.35 * r, cy - 0.1 * r, cx + 0.35 * r, cy + 0.4 * r), fill=light)
    elif shape == "round":
        draw.ellipse((cx - 0.8 * r, cy - 0.8 * r, cx + 0.8 * r, cy + 0.8 * r), fill=body)
        draw.ellipse((cx - 0.5 * r, cy - 0.5 * r, cx + 0.5 * r, cy + 0.5 * r), fill=light)
        draw.ellipse((cx - 0.2 * r, cy - 0.2 * r, cx + 0.2 * r, cy + 0.2 * r), fill=accent)
    else:  # flat: a card, print, book or bar seen from above, slightly askew
        angle = math.radians(rng.uniform(-12, 12))
        w, h = 0.65 * r, 0.85 * r

        def corner(dx, dy):
            return (cx + dx * math.cos(angle) - dy * math.sin(angle),
                    cy + dx * math.sin(angle) + dy * math.cos(angle))  # fmt: skip

        draw.polygon([corner(-w, -h), corner(w, -h), corner(w, h), corner(-w, h)], fill=body)
        for line in range(3):
            dy = -0.5 * h + line * 0.3 * h
            draw.line([corner(-0.6 * w, dy), corner(0.6 * w, dy)], fill=light, width=width)
        draw.ellipse((*corner(0.25 * w, 0.45 * h), *corner(0.55 * w, 0.75 * h)), fill=accent)


def sample_pdf(title: str) -> bytes:
    """A one-page PDF naming the product: the file a seeded digital product delivers."""
    text = title.encode("latin-1", "replace").replace(b"\\", b"").replace(b"(", b"[")
    text = text.replace(b")", b"]")
    stream = b"BT /F1 24 Tf 72 720 Td (" + text + b") Tj 0 -36 Td (relcommerce demo) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _product_colors(colors: tuple[str, str, str], *, key: str) -> tuple[str, str, str]:
    """The creator's palette, shifted a little per product so a shop's photos differ."""
    rng = random.Random(f"{key}:colors")
    start, end, accent = colors
    if rng.random() < 0.35:
        start, accent = accent, start
    shift = rng.randint(-28, 28)
    r, g, b = (min(255, max(0, channel + shift)) for channel in _rgb(start))
    return f"#{r:02x}{g:02x}{b:02x}", end, accent


def product_photo(*, colors: tuple[str, str, str], shape: str, key: str, view: int) -> bytes:
    """A square "photo" of the product: soft backdrop, shadow, the object. `view` 0 is the
    cover; later views move closer or off-centre, like a second and third photo."""
    rng = random.Random(f"{key}:{view}")
    side = PRODUCT_IMAGE_SIDE
    start, end, accent = _product_colors(colors, key=key)
    image = _gradient((side, side), end, "#fbf7f2", rng.uniform(0, 360)).convert("RGBA")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    scale = (0.3, 0.42, 0.24)[view % 3]
    cx = side * (0.5 + (0.0, 0.05, -0.12)[view % 3])
    cy = side * (0.52 + (0.0, 0.06, 0.04)[view % 3])
    r = side * scale
    draw.ellipse((cx - 1.05 * r, cy + 0.7 * r, cx + 1.05 * r, cy + 1.0 * r), fill=(0, 0, 0, 45))
    _draw_object(draw, shape, box=(cx, cy, r), colors=(start, end, accent), rng=rng)
    return _jpeg(Image.alpha_composite(image, overlay).convert("RGB"))


# --- Report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    url: str


@dataclass
class SeedReport:
    seed: int
    staff_created: int = 0
    creators: int = 0
    creators_created: int = 0
    fans: int = 0
    fans_created: int = 0
    follows_created: int = 0
    posts_created: int = 0
    products: int = 0
    products_created: int = 0
    product_images_created: int = 0
    events_created: int = 0
    comments_created: int = 0
    orders_created: int = 0
    reviews_created: int = 0
    seconds: float = 0.0
    logins: list[DemoLogin] = field(default_factory=list)


def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist in the database, all with `DEMO_PASSWORD`."""
    logins = []
    if User.objects.filter(email=ADMIN_EMAIL).exists():
        logins.append(DemoLogin("staff", ADMIN_EMAIL, reverse("admin:index")))
    profile = (
        CreatorProfile.objects.filter(user__email=creator_email(CREATORS[0].handle))
        .select_related("user")
        .first()
    )
    if profile is not None:
        logins.append(DemoLogin("creator", profile.user.email, profile.get_absolute_url()))
    if User.objects.filter(email=fan_email(1)).exists():
        logins.append(DemoLogin("fan", fan_email(1), reverse("account_login")))
    return logins


def database_has_creators() -> bool:
    return CreatorProfile.objects.exists()


# --- Seeding ---------------------------------------------------------------------------


def demo_seed(
    *,
    seed: int = DEFAULT_SEED,
    fans: int = DEFAULT_FANS,
    creators: int = DEFAULT_CREATORS,
    products_per_creator: int = DEFAULT_PRODUCTS_PER_CREATOR,
    log: Log | None = None,
) -> SeedReport:
    """Seed (or complete) the demo data set; safe to run any number of times."""
    if fans < 0 or creators < 1 or products_per_creator < 0:
        raise ValueError("seed_demo needs at least one creator and a non-negative fan count.")
    log = log or (lambda message: None)
    started = time.monotonic()
    # Whole seconds: timestamps read like real ones, and microseconds carry no meaning.
    now = timezone.now().replace(microsecond=0)
    # Hashing is deliberately slow: do it once and share the hash among all demo users.
    password_hash = make_password(DEMO_PASSWORD)
    report = SeedReport(seed=seed)

    report.staff_created = _staff_seed(password_hash=password_hash)

    phase = time.monotonic()
    profiles, report.creators_created = _creators_seed(
        plan=creator_plan(seed=seed, count=creators),
        seed=seed,
        now=now,
        password_hash=password_hash,
    )
    report.creators = len(profiles)
    log(f"creators: {report.creators_created} new of {report.creators} ({_since(phase)})")

    phase = time.monotonic()
    report.products, report.products_created, report.product_images_created = _products_seed(
        plan=creator_plan(seed=seed, count=creators),
        profiles=profiles,
        seed=seed,
        now=now,
        per_creator=products_per_creator,
    )
    log(
        f"products: {report.products_created} new of {report.products}, "
        f"{report.product_images_created} images ({_since(phase)})"
    )

    phase = time.monotonic()
    fan_ids, report.fans_created = _fans_seed(
        seed=seed, count=fans, now=now, password_hash=password_hash
    )
    report.fans = len(fan_ids)
    log(f"fans: {report.fans_created} new of {report.fans} ({_since(phase)})")

    phase = time.monotonic()
    report.follows_created, report.events_created = _follows_seed(
        seed=seed, fan_ids=fan_ids, profiles=profiles, now=now
    )
    log(f"follows: {report.follows_created} new, with their follow events ({_since(phase)})")

    phase = time.monotonic()
    report.posts_created, post_events = demo_social.posts_seed(
        seed=seed, profiles=profiles, now=now
    )
    report.events_created += post_events
    log(f"posts: {report.posts_created} new, with their events ({_since(phase)})")
    phase = time.monotonic()
    reviews = demo_reviews.reviews_seed(
        seed=seed,
        handles=[p.handle for p in profiles if p.handle in {c.handle for c in CREATORS}],
        fan_ids=fan_ids,
    )
    report.orders_created, report.reviews_created = reviews.orders, reviews.reviews
    log(
        f"reviews: {reviews.reviews} new, {reviews.orders} demo orders to back them, "
        f"{reviews.responses} creator responses, {reviews.helpful_votes} helpful votes "
        f"({_since(phase)})"
    )
    phase = time.monotonic()
    public = demo_tastemakers.tastemakers_seed(seed=seed, fan_ids=fan_ids)
    log(f"tastemakers: {public} public fan profiles with shown purchases ({_since(phase)})")
    # Conversation last: it needs the posts, products and fans to talk about and with.
    phase = time.monotonic()
    report.comments_created = demo_conversation.conversation_seed(
        seed=seed,
        profiles=profiles[: len(CREATORS)],
        fan_user_ids=[user_id for _, user_id in fan_ids[:DEMO_TALKING_FANS]]
        if len(fan_ids) >= DEMO_TALKING_FANS
        else [],
        now=now,
    )
    log(f"conversation: {report.comments_created} new comments and replies ({_since(phase)})")

    if connection.vendor == "postgresql" and (report.products_created or report.follows_created):
        # Bulk loads leave the planner without statistics until autovacuum gets round to
        # it; until then the catalog's queries were seen to run 5-30x slower.
        phase = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        log(f"analyze: planner statistics refreshed ({_since(phase)})")

    report.logins = demo_logins()
    report.seconds = time.monotonic() - started
    return report


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"


def _batches(items: Sequence, size: int = BATCH_SIZE) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _verified_address(user: User) -> None:
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


@transaction.atomic
def _staff_seed(*, password_hash: str) -> int:
    if User.objects.filter(email=ADMIN_EMAIL).exists():
        return 0
    admin = User.objects.create(
        email=ADMIN_EMAIL,
        name="Demo Staff",
        password=password_hash,
        is_staff=True,
        is_superuser=True,
    )
    _verified_address(admin)
    return 1


def _creators_seed(
    *, plan: list[CreatorSeed], seed: int, now: datetime, password_hash: str
) -> tuple[list[CreatorProfile], int]:
    """Open a shop for every planned creator that does not exist yet, in one transaction.

    The hand-written creators go one by one through `shops.services.shop_open` (~0.35 s
    each, images included); generated ones are bulk-inserted in batches with images from
    a shared pool (`_generated_creators_insert`), so 1,000 creators take seconds.
    """
    written: list[str] = []  # image files, deleted again if the phase rolls back
    by_handle: dict[str, CreatorProfile] = {}
    created = 0
    hand_written = len(CREATORS)
    try:
        with transaction.atomic():
            for creator in plan[:hand_written]:
                if handle_is_taken(handle=creator.handle):
                    by_handle[creator.handle] = CreatorProfile.objects.get(
                        handle__iexact=creator.handle
                    )
                    continue
                profile = _creator_open(creator, seed=seed, now=now, password_hash=password_hash)
                written += [profile.avatar.name, *profile.avatar_variants.values()]
                written += [profile.banner.name, *profile.banner_variants.values()]
                by_handle[creator.handle] = profile
                created += 1
            pool = _CreatorImagePool(seed=seed, written=written)
            for batch in _batches(plan[hand_written:]):
                found, new = _generated_creators_insert(
                    batch, seed=seed, now=now, password_hash=password_hash, pool=pool
                )
                by_handle.update(found)
                created += new
    except BaseException:
        images.delete_files(written)
        raise
    return [by_handle[creator.handle] for creator in plan], created


class _CreatorImagePool:
    """Avatars and banners shared by generated creators: one pair per palette, made on
    first use through the image gate, so a second run that adds nothing writes no file."""

    def __init__(self, *, seed: int, written: list[str]):
        self.seed, self.written = seed, written
        self._by_palette: dict[int, tuple[StoredImage, StoredImage]] = {}

    def pick(self, colors: tuple[str, str, str]) -> tuple[StoredImage, StoredImage]:
        index = PALETTES.index(colors) if colors in PALETTES else 0
        if index not in self._by_palette:
            stand_in = CreatorSeed(f"pool{index}", "", "", "", PALETTES[index])
            pair = []
            for kind, draw, spec in (
                ("avatar", avatar_png, images.AVATAR),
                ("banner", banner_png, images.BANNER),
            ):
                stored = store_image(
                    _through_gate(f"pool-{kind}-{index}.png", draw(stand_in, seed=self.seed)),
                    spec,
                )
                self.written += stored.names
                pair.append(stored)
            self._by_palette[index] = (pair[0], pair[1])
        return self._by_palette[index]


def _creator_opened_at(creator: CreatorSeed, *, seed: int, now: datetime) -> datetime:
    """When the creator opened their shop: well before the follow history begins."""
    rng = random.Random(f"{seed}:creator:{creator.handle}")
    return now - timedelta(days=rng.randint(HISTORY_DAYS + 5, 720), seconds=rng.randint(0, 86399))


def _generated_creators_insert(
    batch: Sequence[CreatorSeed],
    *,
    seed: int,
    now: datetime,
    password_hash: str,
    pool: "_CreatorImagePool",
) -> tuple[dict[str, CreatorProfile], int]:
    """Bulk-insert the missing generated creators of `batch`: user, verified address,
    profile, shop and the backdated `shop_opened` event that `shop_open` would record
    (as handled history). Returns ({handle: profile} for the whole batch, created)."""
    found = {
        profile.handle.lower(): profile
        for profile in CreatorProfile.objects.alias(handle_lower=Lower("handle")).filter(
            handle_lower__in=[creator.handle.lower() for creator in batch]
        )
    }
    missing = [creator for creator in batch if creator.handle.lower() not in found]
    profiles = {creator.handle: found.get(creator.handle.lower()) for creator in batch}
    if not missing:
        return profiles, 0
    opened = {c.handle: _creator_opened_at(c, seed=seed, now=now) for c in missing}
    emails = {c.handle: creator_email(c.handle) for c in missing}
    users = dict(User.objects.filter(email__in=emails.values()).values_list("email", "id"))
    new_users = User.objects.bulk_create(
        [
            User(
                email=emails[c.handle],
                name=c.owner_name,
                password=password_hash,
                date_joined=opened[c.handle],
            )
            for c in missing
            if emails[c.handle] not in users
        ]
    )
    users.update({user.email: user.pk for user in new_users})
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=users[email], email=email, verified=True, primary=True)
            for email in emails.values()
        ],
        ignore_conflicts=True,
    )
    new_profiles = []
    for c in missing:
        avatar, banner = pool.pick(c.colors)
        new_profiles.append(
            CreatorProfile(
                user_id=users[emails[c.handle]],
                handle=c.handle,
                display_name=c.display_name,
                bio=c.bio,
                avatar=avatar.name,
                avatar_variants=avatar.variants,
                banner=banner.name,
                banner_variants=banner.variants,
                is_featured=c.featured,
                created_at=opened[c.handle],
            )
        )
    new_profiles = CreatorProfile.objects.bulk_create(new_profiles)
    shops = Shop.objects.bulk_create(
        [
            Shop(
                creator=profile,
                name=profile.display_name,
                currency=settings.SHOP_DEFAULT_CURRENCY,
                created_at=profile.created_at,
            )
            for profile in new_profiles
        ]
    )
    # auto_now stamped "now" on insert; a shop opened long ago was last changed then.
    ids = [profile.pk for profile in new_profiles]
    CreatorProfile.objects.filter(pk__in=ids).update(updated_at=F("created_at"))
    Shop.objects.filter(creator_id__in=ids).update(updated_at=F("created_at"))
    shop_type = ContentType.objects.get_for_model(Shop)
    EngagementEvent.objects.bulk_create(
        [
            EngagementEvent(
                kind=EventKind.SHOP_OPENED,
                actor_id=profile.user_id,
                creator=profile,
                target_type=shop_type,
                target_id=shop.pk,
                payload={"handle": profile.handle},
                created_at=profile.created_at,
                dispatched_at=profile.created_at,
            )
            for profile, shop in zip(new_profiles, shops, strict=True)
        ]
    )
    for profile in new_profiles:
        profiles[profile.handle] = profile
    return profiles, len(new_profiles)


def _creator_open(
    creator: CreatorSeed, *, seed: int, now: datetime, password_hash: str
) -> CreatorProfile:
    opened = _creator_opened_at(creator, seed=seed, now=now)
    user, _ = User.objects.get_or_create(
        email=creator_email(creator.handle),
        defaults={"name": creator.owner_name, "password": password_hash, "date_joined": opened},
    )
    _verified_address(user)
    shop = shop_open(
        user=user,
        handle=creator.handle,
        display_name=creator.display_name,
        bio=creator.bio,
        avatar=_through_gate(f"{creator.handle}-avatar.png", avatar_png(creator, seed=seed)),
        banner=_through_gate(f"{creator.handle}-banner.png", banner_png(creator, seed=seed)),
    )
    profile = shop.creator
    # Backdate the shop's opening (and mark its event as handled history) so the follow
    # history that follows makes sense; staff choose the featured creators.
    CreatorProfile.objects.filter(pk=profile.pk).update(
        created_at=opened, updated_at=opened, is_featured=creator.featured
    )
    Shop.objects.filter(pk=shop.pk).update(created_at=opened, updated_at=opened)
    EngagementEvent.objects.filter(creator=profile, kind=EventKind.SHOP_OPENED).update(
        created_at=opened, dispatched_at=opened
    )
    profile.refresh_from_db()
    return profile


def _fan_profile(*, seed: int, index: int, now: datetime) -> tuple[str, datetime]:
    """Name and sign-up time of fan number `index`; depends on nothing else."""
    rng = random.Random(f"{seed}:fan:{index}")
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    days_ago = FAN_JOIN_DAYS * rng.random() ** 1.5  # more recent sign-ups than old ones
    joined = now - timedelta(days=days_ago, hours=1)
    return name, joined.replace(microsecond=0)


def _fans_seed(
    *, seed: int, count: int, now: datetime, password_hash: str
) -> tuple[list[tuple[int, int]], int]:
    """Create the missing fans 1..count; return [(fan number, user id)] for all of them."""
    existing = dict(
        User.objects.filter(email__startswith="fan", email__endswith=f"@{DEMO_DOMAIN}")
        .values_list("email", "id")
        .iterator(chunk_size=BATCH_SIZE)
    )
    fan_ids: list[tuple[int, int]] = []
    created = 0
    with transaction.atomic():
        for batch in _batches(range(1, count + 1)):
            new: list[tuple[int, User]] = []
            for index in batch:
                email = fan_email(index)
                if email in existing:
                    fan_ids.append((index, existing[email]))
                    continue
                name, joined = _fan_profile(seed=seed, index=index, now=now)
                new.append(
                    (
                        index,
                        User(email=email, name=name, password=password_hash, date_joined=joined),
                    )
                )
            if not new:
                continue
            # PostgreSQL and SQLite (3.35+) return the new ids from a bulk insert.
            users = User.objects.bulk_create([user for _, user in new])
            # Verified and primary, so demo fans can log in. ignore_conflicts: an address
            # someone registered by hand must not make the seeding fail.
            EmailAddress.objects.bulk_create(
                [
                    EmailAddress(user_id=u.pk, email=u.email, verified=True, primary=True)
                    for u in users
                ],
                ignore_conflicts=True,
            )
            fan_ids += [(index, user.pk) for index, user in new]
            created += len(new)
    fan_ids.sort()
    return fan_ids, created


def _fan_follows(
    *, seed: int, index: int, joined: datetime, now: datetime, cum_weights: list[float]
) -> list[tuple[int, datetime]]:
    """Which creators (by popularity rank) fan number `index` follows, and when."""
    rng = random.Random(f"{seed}:follows:{index}")
    creators = len(cum_weights)
    if index == 1:
        ranks = list(range(min(DEMO_FAN_FOLLOWS, creators)))
    else:
        wanted = min(creators, rng.choices(FOLLOW_COUNTS, FOLLOW_COUNT_WEIGHTS)[0])
        total = cum_weights[-1]
        ranks = []
        for _ in range(30 * wanted):  # weighted draws without repeats; bounded
            rank = min(bisect(cum_weights, rng.random() * total), creators - 1)
            if rank not in ranks:
                ranks.append(rank)
                if len(ranks) == wanted:
                    break
    start = max(joined, now - timedelta(days=HISTORY_DAYS))
    window = max(int((now - start).total_seconds()), 1)
    return [(rank, start + timedelta(seconds=rng.randrange(window))) for rank in ranks]


def _follows_seed(
    *,
    seed: int,
    fan_ids: list[tuple[int, int]],
    profiles: list[CreatorProfile],
    now: datetime,
) -> tuple[int, int]:
    """Create the missing follows of every fan, each with its `follow` event, in one transaction."""
    if not profiles:
        return 0, 0
    cum_weights = list(
        accumulate(1 / (rank + 1) ** POPULARITY_EXPONENT for rank in range(len(profiles)))
    )
    follow_type = ContentType.objects.get_for_model(Follow)
    follows_created = events_created = 0
    with transaction.atomic():
        for batch in _batches(fan_ids):
            lowest = min(user_id for _, user_id in batch)
            highest = max(user_id for _, user_id in batch)
            in_batch = Follow.objects.filter(follower_id__gte=lowest, follower_id__lte=highest)
            # One range scan of the (follower, followed) unique index per batch.
            existing = set(in_batch.values_list("follower_id", "followed_id"))
            new: list[Follow] = []
            for index, user_id in batch:
                _, joined = _fan_profile(seed=seed, index=index, now=now)
                for rank, at in _fan_follows(
                    seed=seed, index=index, joined=joined, now=now, cum_weights=cum_weights
                ):
                    followed_id = profiles[rank].user_id
                    if followed_id == user_id or (user_id, followed_id) in existing:
                        continue
                    new.append(Follow(follower_id=user_id, followed_id=followed_id, created_at=at))
            if not new:
                continue
            watermark = Follow.objects.aggregate(last=Max("id"))["last"] or 0
            Follow.objects.bulk_create(new, ignore_conflicts=True)
            follows_created += len(new)
            events_created += _follow_events_insert(
                follow_type_id=follow_type.pk,
                after_id=watermark,
                follower_range=(lowest, highest),
            )
    return follows_created, events_created


def _follow_events_insert(
    *, follow_type_id: int, after_id: int, follower_range: tuple[int, int]
) -> int:
    """Write the `follow` event of every follow just inserted, in one set-based statement.

    Building hundreds of thousands of event objects in Python would take most of the
    seeding time; the database copies them from the follow rows instead. The events are
    history, not new work: dispatched when they happened, so the pipeline skips them.
    """
    quote = connection.ops.quote_name
    event, follow, profile = (m._meta for m in (EngagementEvent, Follow, CreatorProfile))
    columns = ", ".join(
        quote(event.get_field(name).column)
        for name in (
            "kind", "actor", "creator", "target_type", "target_id", "payload", "created_at",
            "dispatched_at",
        )
    )  # fmt: skip
    payload = event.get_field("payload").get_db_prep_save({}, connection)
    # Only identifiers from the models' own metadata, quoted, are interpolated; every
    # value is a query parameter.
    sql = (  # noqa: S608
        "INSERT INTO {event} ({columns}) "
        "SELECT %s, f.{follower}, p.{pk}, %s, f.{id}, %s, f.{created}, f.{created} "
        "FROM {follow} f JOIN {profile} p ON p.{user} = f.{followed} "
        "WHERE f.{id} > %s AND f.{follower} BETWEEN %s AND %s"
    ).format(
        event=quote(event.db_table),
        columns=columns,
        follow=quote(follow.db_table),
        profile=quote(profile.db_table),
        follower=quote(follow.get_field("follower").column),
        followed=quote(follow.get_field("followed").column),
        created=quote(follow.get_field("created_at").column),
        id=quote(follow.pk.column),
        pk=quote(profile.pk.column),
        user=quote(profile.get_field("user").column),
    )
    params = [EventKind.FOLLOW.value, follow_type_id, payload, after_id, *follower_range]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- Products --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedProduct:
    """One product a creator sells, fully decided (prices, stock, dates, images)."""

    slug: str
    title: str
    description: str
    price: Decimal
    compare_at_price: Decimal | None
    kind: str
    stock: int | None
    tags: tuple[str, ...]
    status: str
    published_at: datetime | None
    created_at: datetime
    sales_count: int
    sku: str
    image_count: int
    shape: str
    own_images: bool  # hand-written products get their own; generated ones share a pool


def _craft_of(handle: str) -> str:
    """The CRAFTS slug a generated creator's handle ends with ("ada_pottery7" → pottery)."""
    return handle.rsplit("_", 1)[-1].rstrip("0123456789")


def _random_stock(rng: random.Random) -> int:
    return rng.choices((rng.randint(3, 6), rng.randint(8, 25), rng.randint(30, 120)),
                       (3, 5, 2))[0]  # fmt: skip


def product_plan(
    creator: CreatorSeed, *, seed: int, rank: int, now: datetime, per_creator: int
) -> list[PlannedProduct]:
    """What `creator` sells. Each product's details come from its own random stream keyed
    by (seed, handle, slug), so they stay the same however many others there are."""
    shop = demo_catalog.SHOPS.get(creator.handle)
    if shop is not None:
        seeds = [(item, shop.shape, shop.notes, True) for item in shop.products]
    else:
        generated = _generated_products(creator, seed=seed, count=per_creator)
        seeds = [(item, shape, demo_catalog.GENERATED_NOTES, False) for item, shape in generated]
    # The most followed creators sell the most; sales fall off with popularity rank.
    base_sales = 60 / (rank + 1) ** 0.7
    planned = []
    for number, (item, shape, notes, own_images) in enumerate(seeds, start=1):
        slug = slugify(item.title)[:140]
        rng = random.Random(f"{seed}:product:{creator.handle}:{slug}")
        stock = _random_stock(rng) if item.stock == RANDOM_STOCK else item.stock
        bullets = ("Instant download after payment", "For personal use") if item.digital else notes
        description = item.blurb + "\n\n" + "\n".join(f"- {note}" for note in bullets) + "\n"
        created = now - timedelta(days=rng.uniform(0, HISTORY_DAYS), hours=rng.uniform(1, 72))
        published = None
        if not item.draft:
            published = min(created + timedelta(hours=rng.uniform(0.5, 48)), now)
        sales = 0 if item.draft else int(base_sales * rng.paretovariate(1.6) * rng.random())
        planned.append(
            PlannedProduct(
                slug=slug,
                title=item.title,
                description=description,
                price=Decimal(item.price),
                compare_at_price=Decimal(item.compare_at) if item.compare_at else None,
                kind=ProductKind.DIGITAL if item.digital else ProductKind.PHYSICAL,
                stock=stock,
                tags=item.tags,
                status=ProductStatus.DRAFT if item.draft else ProductStatus.PUBLISHED,
                published_at=published.replace(microsecond=0) if published else None,
                created_at=created.replace(microsecond=0),
                sales_count=min(sales, 5000),
                sku=f"{creator.handle[:4].upper()}-{number:03d}",
                image_count=rng.choices((1, 2, 3), (4, 4, 2))[0],
                shape=item.shape or shape,
                own_images=own_images,
            )
        )
    return planned


def _generated_products(
    creator: CreatorSeed, *, seed: int, count: int
) -> list[tuple[ProductSeed, str]]:
    tags, shape, items = demo_catalog.CRAFT_PRODUCTS.get(
        _craft_of(creator.handle), demo_catalog.CRAFT_PRODUCTS["pottery"]
    )
    rng = random.Random(f"{seed}:range:{creator.handle}")
    names = [(adjective, item) for adjective in demo_catalog.ADJECTIVES for item in items]
    rng.shuffle(names)
    products = []
    for index in range(count):
        (adjective, (noun, low, high)), edition = names[index % len(names)], index // len(names)
        title = f"{adjective} {noun}" + (f" No. {edition + 1}" if edition else "")
        price = Decimal(rng.randint(low, high)) - Decimal("0.01") * rng.choice((0, 0, 1, 5))
        compare_at = str(price + rng.randint(3, 15)) if rng.random() < 0.15 else None
        stock = (
            0
            if rng.random() < 0.06
            else (rng.randint(1, 2) if rng.random() < 0.1 else RANDOM_STOCK)
        )
        products.append(
            (
                ProductSeed(
                    title=title,
                    price=str(price),
                    tags=(*tags, rng.choice(("gift", "handmade", "new", "small batch"))),
                    blurb=f"{rng.choice(demo_catalog.GENERATED_BLURBS)} {creator.bio}",
                    stock=stock,
                    compare_at=compare_at,
                    draft=rng.random() < 0.08,
                ),
                shape,
            )
        )
    return products


class _ImagePool:
    """Images shared by generated creators' products: a few per shape, made on first use."""

    def __init__(self, *, seed: int, written: list[str]):
        self.seed, self.written = seed, written
        self._by_shape: dict[str, list[StoredImage]] = {}

    def pick(self, shape: str, index: int) -> StoredImage:
        if shape not in self._by_shape:
            self._by_shape[shape] = [self._store(shape, n) for n in range(IMAGE_POOL_PER_SHAPE)]
        pool = self._by_shape[shape]
        return pool[index % len(pool)]

    def _store(self, shape: str, n: int) -> StoredImage:
        colors = PALETTES[(sum(map(ord, shape)) + n) % len(PALETTES)]
        content = product_photo(
            colors=colors, shape=shape, key=f"{self.seed}:pool:{shape}:{n}", view=n
        )
        return _store_product_image(f"pool-{shape}-{n}.jpg", content, self.written)


def _store_product_image(name: str, content: bytes, written: list[str]) -> StoredImage:
    stored = store_image(_through_gate(name, content), PRODUCT)
    written += stored.names
    return stored


def _store_digital_file(plan: PlannedProduct, written: list[str]) -> str:
    """Write the download of a digital product to private storage; return its name."""
    name = private_storage().save(
        digital_file_name(f"{plan.slug}.pdf"), ContentFile(sample_pdf(plan.title))
    )
    written.append(name)
    return name


def _tag_ids(names: set[str]) -> dict[str, int]:
    """Tag ids by name, creating the missing tags (looked up by slug, which is unique)."""
    slugs = {name: slugify(name) for name in names}
    Tag.objects.bulk_create(
        [Tag(name=name, slug=slug) for name, slug in slugs.items()], ignore_conflicts=True
    )
    by_slug = dict(Tag.objects.filter(slug__in=slugs.values()).values_list("slug", "id"))
    return {name: by_slug[slug] for name, slug in slugs.items() if slug in by_slug}


@functools.lru_cache(maxsize=4096)
def _rendered(description: str) -> str:
    """Markdown of a description, rendered once: generated shops repeat a few descriptions
    across 50,000 products, and rendering plus sanitising each would cost ~a minute."""
    return markdown_to_html(description)


def _products_insert(
    pending: list[tuple[int, CreatorSeed, PlannedProduct]],
    *,
    seed: int,
    pool: _ImagePool,
    written: list[str],
    private_written: list[str],
) -> int:
    """Insert `pending` products with their tags and images; return the image count."""
    digital_files = {
        index: _store_digital_file(plan, private_written)
        for index, (_, _, plan) in enumerate(pending)
        if plan.kind == ProductKind.DIGITAL
    }
    products = Product.objects.bulk_create(
        [
            Product(
                shop_id=shop_id,
                slug=plan.slug,
                title=plan.title,
                description=plan.description,
                description_html=_rendered(plan.description),
                price=plan.price,
                compare_at_price=plan.compare_at_price,
                kind=plan.kind,
                stock=plan.stock,
                sku=plan.sku,
                status=plan.status,
                published_at=plan.published_at,
                created_at=plan.created_at,
                updated_at=plan.published_at or plan.created_at,
                sales_count=plan.sales_count,
                digital_file=digital_files.get(index, ""),
            )
            for index, (shop_id, _, plan) in enumerate(pending)
        ]
    )
    tag_ids = _tag_ids({tag for _, _, plan in pending for tag in plan.tags})
    Through = Product.tags.through
    Through.objects.bulk_create(
        [
            Through(product_id=product.pk, tag_id=tag_ids[tag])
            for product, (_, _, plan) in zip(products, pending, strict=True)
            for tag in dict.fromkeys(plan.tags)
            if tag in tag_ids
        ],
        ignore_conflicts=True,
    )
    rows = []
    for product, (_, creator, plan) in zip(products, pending, strict=True):
        for view in range(plan.image_count):
            if plan.own_images:
                key = f"{seed}:photo:{creator.handle}:{plan.slug}"
                content = product_photo(colors=creator.colors, shape=plan.shape, key=key, view=view)
                stored = _store_product_image(f"{plan.slug}-{view}.jpg", content, written)
            else:
                stored = pool.pick(plan.shape, product.pk + view)
            rows.append(
                ProductImage(
                    product=product,
                    image=stored.name,
                    variants=stored.variants,
                    alt_text=plan.title if view == 0 else f"{plan.title}, another view",
                    position=view,
                )
            )
    ProductImage.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def _products_seed(
    *,
    plan: list[CreatorSeed],
    profiles: list[CreatorProfile],
    seed: int,
    now: datetime,
    per_creator: int,
) -> tuple[int, int, int]:
    """Create every creator's missing products (keyed by shop and slug), in one transaction.

    Returns (products in the plan, products created, images created).
    """
    shop_ids = dict(Shop.objects.filter(creator__in=profiles).values_list("creator_id", "id"))
    existing = set(
        Product.objects.filter(shop_id__in=shop_ids.values()).values_list("shop_id", "slug")
    )
    written: list[str] = []  # image files, deleted again if the phase rolls back
    private_written: list[str] = []  # downloads of digital products, likewise
    pool = _ImagePool(seed=seed, written=written)
    planned = created = images_created = 0
    pending: list[tuple[int, CreatorSeed, PlannedProduct]] = []

    def flush(created: int, images_created: int) -> tuple[int, int]:
        if pending:
            images_created += _products_insert(
                pending, seed=seed, pool=pool, written=written, private_written=private_written
            )
            created += len(pending)
            pending.clear()
        return created, images_created

    try:
        with transaction.atomic():
            for rank, (creator, profile) in enumerate(zip(plan, profiles, strict=True)):
                shop_id = shop_ids.get(profile.pk)
                if shop_id is None:
                    continue
                for product in product_plan(
                    creator, seed=seed, rank=rank, now=now, per_creator=per_creator
                ):
                    planned += 1
                    if (shop_id, product.slug) not in existing:
                        pending.append((shop_id, creator, product))
                if len(pending) >= BATCH_SIZE:
                    created, images_created = flush(created, images_created)
            created, images_created = flush(created, images_created)
    except BaseException:
        images.delete_files(written)
        delete_private_files(private_written)
        raise
    return planned, created, images_created
