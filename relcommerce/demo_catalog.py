"""What the demo creators sell: hand-written products and the crafts of generated creators.

Pure data for `relcommerce.demo`'s products phase. Prices are strings turned into
`Decimal` by the seeder (never floats). `stock=None` means unlimited (digital goods);
`stock=RANDOM_STOCK` lets the seeder pick a plausible number.
"""

from dataclasses import dataclass

RANDOM_STOCK = -1


@dataclass(frozen=True)
class ProductSeed:
    title: str
    price: str
    tags: tuple[str, ...]
    blurb: str  # the first paragraph of the Markdown description
    stock: int | None = RANDOM_STOCK
    compare_at: str | None = None
    digital: bool = False
    draft: bool = False
    shape: str = ""  # the drawn object in its images; empty: the creator's default


@dataclass(frozen=True)
class ShopSeed:
    shape: str  # mug, bowl, tall, flat, ring, plant, bag, round
    notes: tuple[str, ...]  # bullet points appended to every physical product's description
    products: tuple[ProductSeed, ...]


P = ProductSeed

SHOPS: dict[str, ShopSeed] = {
    "mara_clay": ShopSeed(
        "mug",
        (
            "Wheel-thrown stoneware, fired to cone 6",
            "Dishwasher and microwave safe",
            "Every piece varies a little in glaze and size",
        ),
        (
            P(
                "Speckled Oatmeal Mug",
                "32.00",
                ("ceramics", "mugs", "kitchen"),
                "Our bestseller: a **350 ml** mug with a thumb rest and a speckled oatmeal glaze "
                "that breaks brown on the rim.",
            ),
            P(
                "Tidepool Blue Mug",
                "34.00",
                ("ceramics", "mugs", "kitchen"),
                "A deep mug in a pooling blue celadon. Holds a proper *flat white*.",
                stock=2,
            ),
            P(
                "Espresso Cups, Set of Two",
                "38.00",
                ("ceramics", "coffee", "gift"),
                "Two 90 ml cups for short coffees, glazed inside, raw clay outside.",
                compare_at="44.00",
            ),
            P(
                "Ramen Bowl",
                "46.00",
                ("ceramics", "bowls", "kitchen"),
                "Wide and deep enough for a full bowl of noodles, with room for the egg.",
                shape="bowl",
            ),
            P(
                "Breakfast Bowls, Set of Four",
                "92.00",
                ("ceramics", "bowls", "gift"),
                "Four everyday bowls for cereal, yoghurt or soup, in mixed glazes.",
                shape="bowl",
                stock=0,
            ),
            P(
                "Bud Vase",
                "24.00",
                ("ceramics", "home decor"),
                "A tiny vase for one stem from the garden or the roadside.",
                shape="tall",
            ),
            P(
                "Pour-Over Dripper",
                "52.00",
                ("ceramics", "coffee"),
                "A ceramic cone that fits standard #2 filters and keeps the brew hot.",
                shape="bowl",
            ),
            P(
                "Seconds Mug (Glaze Flaw)",
                "18.00",
                ("ceramics", "mugs", "sale"),
                "Perfectly usable mugs with a small glaze flaw; priced to find a home.",
                compare_at="32.00",
                stock=3,
            ),
            P(
                "Serving Platter",
                "78.00",
                ("ceramics", "kitchen"),
                "A large oval platter for roast vegetables or a whole fish.",
                shape="round",
                draft=True,
            ),
        ),
    ),
    "north_loop_knits": ShopSeed(
        "flat",
        (
            "Hand-knit in undyed Shetland wool",
            "Hand wash cold, dry flat",
            "Knit to order: ships in two weeks",
        ),
        (
            P(
                "Fisherman Rib Beanie",
                "48.00",
                ("wool", "knitwear", "hats"),
                "A deep-ribbed beanie with a turned-up brim, warm enough for the ferry deck.",
            ),
            P(
                "Fair Isle Yoke Sweater",
                "260.00",
                ("wool", "knitwear", "sweaters"),
                "A seamless yoke sweater with a traditional Fair Isle band in natural greys.",
                stock=2,
            ),
            P(
                "Lovikka Mittens",
                "64.00",
                ("wool", "knitwear", "gift"),
                "Thick brushed mittens in the Swedish tradition, with embroidered cuffs.",
            ),
            P(
                "Shetland Lace Shawl",
                "180.00",
                ("wool", "knitwear", "lace"),
                "A feather-light shawl that passes through a wedding ring.",
                stock=1,
            ),
            P(
                "Fair Isle Yoke Pattern (PDF)",
                "9.00",
                ("patterns", "knitting", "digital"),
                "The pattern for our yoke sweater in nine sizes, with charts and a video link.",
                stock=None,
                digital=True,
            ),
            P(
                "Beanie Pattern (PDF)",
                "5.00",
                ("patterns", "knitting", "digital"),
                "A beginner-friendly hat pattern, worked flat or in the round.",
                stock=None,
                digital=True,
            ),
            P(
                "Undyed Yarn Bundle",
                "42.00",
                ("wool", "yarn"),
                "Five skeins of our undyed Shetland yarn in moorit, fawn and grey.",
                compare_at="50.00",
            ),
            P(
                "Cabled Cushion Cover",
                "72.00",
                ("wool", "home decor"),
                "A cable-knit cover with wooden buttons for a 45 cm cushion.",
                draft=True,
            ),
        ),
    ),
    "ember_oak_roasters": ShopSeed(
        "bag",
        (
            "Roasted on Tuesdays, shipped on Wednesdays",
            "Whole bean unless you ask for a grind",
            "Compostable bags with a one-way valve",
        ),
        (
            P(
                "Huila Washed, 250 g",
                "14.50",
                ("coffee", "single origin"),
                "Red apple, panela and a long cocoa finish. Our everyday filter coffee.",
            ),
            P(
                "Sidamo Natural, 250 g",
                "16.00",
                ("coffee", "single origin"),
                "Blueberry jam and jasmine: the coffee that converts people to filter.",
            ),
            P(
                "Minas Espresso Blend, 1 kg",
                "42.00",
                ("coffee", "espresso"),
                "Chocolate, hazelnut and enough body to stand up to milk.",
                compare_at="48.00",
            ),
            P(
                "Decaf Sugarcane, 250 g",
                "15.00",
                ("coffee", "decaf"),
                "Decaffeinated with sugarcane ethyl acetate; still tastes like coffee.",
            ),
            P(
                "Roaster's Choice Subscription Box",
                "38.00",
                ("coffee", "gift"),
                "Three 250 g bags of whatever excites us this month.",
            ),
            P(
                "Gesha Microlot, 100 g",
                "28.00",
                ("coffee", "single origin", "limited"),
                "Twelve kilos of this exist. Bergamot, peach and black tea.",
                stock=2,
            ),
            P(
                "Stoneware Cupping Bowl",
                "12.00",
                ("coffee", "ceramics"),
                "The bowls we cup from every Tuesday, made for us by a friend.",
                shape="bowl",
                stock=0,
            ),
        ),
    ),
    "juno_draws": ShopSeed(
        "flat",
        (
            "Printed on a Riso MZ970 with soy inks",
            "Shipped flat between card",
            "Colours vary slightly: that's the Riso charm",
        ),
        (
            P(
                "Cat Plumber Riso Print (A4)",
                "22.00",
                ("prints", "risograph", "cats"),
                "A cat in overalls fixing the kitchen sink. Three-colour riso on 170 gsm paper.",
            ),
            P(
                "Monstera Has Feelings Print (A3)",
                "30.00",
                ("prints", "risograph", "plants"),
                "A large-leafed houseplant having a quiet moment. Fluorescent pink and teal.",
                stock=2,
            ),
            P(
                "Small Jobs Zine, Issue 4",
                "8.00",
                ("zines", "cats"),
                "Twenty-four pages of cats with part-time jobs: lighthouse keeper, barista, "
                "accountant.",
            ),
            P(
                "Sticker Sheet: Cats at Work",
                "6.00",
                ("stickers", "cats"),
                "Twelve vinyl stickers, waterproof and laptop-friendly.",
                compare_at="7.50",
            ),
            P(
                "Printable Plant Calendar 2027 (PDF)",
                "12.00",
                ("digital", "plants", "calendar"),
                "Twelve monthly illustrations and a care schedule, ready to print at A4 or Letter.",
                stock=None,
                digital=True,
            ),
            P(
                "Phone Wallpaper Pack (Digital)",
                "4.00",
                ("digital", "cats"),
                "Six illustrations sized for phone screens.",
                stock=None,
                digital=True,
            ),
            P(
                "Enamel Pin: Tiny Accountant Cat",
                "11.00",
                ("pins", "cats", "gift"),
                "Hard enamel, gold plating, two rubber backs.",
                shape="round",
                stock=0,
            ),
            P(
                "Original Ink Drawing",
                "140.00",
                ("originals", "cats"),
                "One-of-a-kind ink drawing from the sketchbook, signed.",
                stock=1,
                draft=True,
            ),
        ),
    ),
    "fern_hollow_candles": ShopSeed(
        "tall",
        (
            "Hand-poured soy wax with cotton wicks",
            "About 45 hours of burn time",
            "Trim the wick to 5 mm before each burn",
        ),
        (
            P(
                "Pine After Rain Candle",
                "28.00",
                ("candles", "home fragrance"),
                "Wet pine needles, cedar and a hint of petrichor.",
            ),
            P(
                "Six A.M. Bakery Candle",
                "28.00",
                ("candles", "home fragrance"),
                "Warm bread, brown butter and cardamom.",
                stock=2,
            ),
            P(
                "Winter Library Candle",
                "30.00",
                ("candles", "home fragrance"),
                "Old paper, leather armchairs and a fire in the next room.",
            ),
            P(
                "Travel Tin Trio",
                "32.00",
                ("candles", "gift"),
                "Our three bestsellers in 100 g tins, for smaller rooms and suitcases.",
                shape="round",
                compare_at="38.00",
            ),
            P(
                "Wax Melts Sampler",
                "14.00",
                ("candles", "wax melts"),
                "Nine melts in three scents for an oil burner.",
                shape="flat",
            ),
            P(
                "Refill Your Jar",
                "18.00",
                ("candles", "refill"),
                "Send back any Fern Hollow jar and we pour you a new candle in it.",
                stock=40,
            ),
            P(
                "Advent Candle",
                "34.00",
                ("candles", "seasonal"),
                "Numbered days down the side; burn one a day until Christmas.",
                stock=0,
            ),
        ),
    ),
    "saltwater_silver": ShopSeed(
        "ring",
        (
            "Recycled sterling silver, hallmarked in London",
            "Gift box and polishing cloth included",
            "Free resizing within 30 days",
        ),
        (
            P(
                "Hammered Stacking Ring",
                "38.00",
                ("jewelry", "rings", "silver"),
                "A slim band with a hammered finish that catches the light like the sea.",
            ),
            P(
                "Pebble Signet Ring",
                "95.00",
                ("jewelry", "rings", "silver"),
                "A chunky signet with a pebble-smooth face, ready for engraving.",
                stock=2,
            ),
            P(
                "Tiny Shell Charm Necklace",
                "54.00",
                ("jewelry", "necklaces", "silver"),
                "A limpet shell cast in silver on a 45 cm trace chain.",
                shape="round",
            ),
            P(
                "Sea Glass Earrings",
                "62.00",
                ("jewelry", "earrings", "silver"),
                "Cornish sea glass set in hand-forged silver hoops.",
                compare_at="70.00",
            ),
            P(
                "Anchor Chain Bracelet",
                "120.00",
                ("jewelry", "bracelets", "silver"),
                "A heavy anchor-link chain with a hand-made toggle clasp.",
                stock=1,
            ),
            P(
                "Wave Cuff",
                "88.00",
                ("jewelry", "bracelets", "silver"),
                "An open cuff with a wave pattern stamped along its length.",
            ),
            P(
                "Custom Birthstone Ring",
                "140.00",
                ("jewelry", "rings", "custom"),
                "Made to order with the stone of your choice.",
                draft=True,
            ),
        ),
    ),
    "gwens_greenhouse": ShopSeed(
        "plant",
        (
            "Rooted cutting in a 9 cm nursery pot",
            "Shipped Monday to Wednesday only",
            "Care notes in every box; a replacement if it sulks",
        ),
        (
            P(
                "Monstera Thai Constellation Cutting",
                "85.00",
                ("plants", "rare plants"),
                "A rooted cutting with cream-speckled leaves and two nodes.",
                stock=2,
            ),
            P(
                "Pothos 'Manjula'",
                "18.00",
                ("plants", "easy care"),
                "Heart-shaped leaves splashed with cream and silver. Forgiving of neglect.",
            ),
            P(
                "Hoya Kerrii Heart",
                "12.00",
                ("plants", "gift", "easy care"),
                "A single succulent heart-shaped leaf: the plant equivalent of a valentine.",
            ),
            P(
                "Philodendron 'Pink Princess'",
                "48.00",
                ("plants", "rare plants"),
                "Dark leaves with bubblegum-pink variegation.",
                compare_at="60.00",
            ),
            P(
                "Calathea Trio",
                "36.00",
                ("plants", "bundle"),
                "Three calatheas with painted leaves that fold up at night.",
                stock=0,
            ),
            P(
                "Terracotta Pot Set",
                "22.00",
                ("pots", "home decor"),
                "Three breathable terracotta pots with saucers.",
                shape="bowl",
            ),
            P(
                "Houseplant Care Guide (PDF)",
                "6.00",
                ("digital", "plants"),
                "Forty pages on light, water and the art of leaving plants alone.",
                stock=None,
                digital=True,
            ),
        ),
    ),
    "lou_letterpress": ShopSeed(
        "flat",
        (
            "Printed on a 1912 Heidelberg platen",
            "600 gsm cotton paper, deep impression",
            "Envelopes in kraft or white",
        ),
        (
            P(
                "Thank You Card, Set of Eight",
                "24.00",
                ("cards", "letterpress", "stationery"),
                "Two-colour letterpress on thick cotton paper with kraft envelopes.",
            ),
            P(
                "Birthday Pun Card",
                "6.50",
                ("cards", "letterpress", "birthday"),
                "\"You're not old, you're vintage.\" Printed in letterpress red.",
            ),
            P(
                "Pocket Notebook, Set of Three",
                "18.00",
                ("notebooks", "stationery"),
                "Dot-grid A6 notebooks with letterpress covers and stitched spines.",
            ),
            P(
                "Wedding Invitation Suite Sample",
                "15.00",
                ("wedding", "letterpress"),
                "A full sample suite: invitation, RSVP card, details card and envelope.",
                compare_at="20.00",
            ),
            P(
                "Printable Place Cards (PDF)",
                "7.00",
                ("digital", "wedding", "stationery"),
                "Editable place cards set in our hand-drawn type.",
                stock=None,
                digital=True,
            ),
            P(
                "Letterpress Type Specimen Poster",
                "45.00",
                ("prints", "letterpress"),
                "Every wood type we own, printed on one 50 × 70 cm sheet.",
                stock=2,
            ),
            P(
                "Custom Business Cards (100)",
                "120.00",
                ("custom", "letterpress"),
                "Your design, our press. Proof within three days.",
                stock=25,
            ),
            P(
                "Holiday Card Set",
                "26.00",
                ("cards", "seasonal"),
                "Six cards with a snowy platen press and a terrible pun.",
                stock=0,
            ),
        ),
    ),
    "bindery_and_bone": ShopSeed(
        "flat",
        (
            "Coptic stitched so it lies flat",
            "120 gsm paper that takes fountain pen ink",
            "Marbled endpapers: no two alike",
        ),
        (
            P(
                "A5 Coptic Journal, Dot Grid",
                "42.00",
                ("journals", "notebooks", "stationery"),
                "192 pages in eight signatures, hand-stitched with waxed linen thread.",
            ),
            P(
                "Leather Travel Journal",
                "68.00",
                ("journals", "leather"),
                "A refillable journal in vegetable-tanned leather with a wrap tie.",
                stock=2,
            ),
            P(
                "Marbled Paper Sheets, Pack of Five",
                "20.00",
                ("paper", "marbling"),
                "Hand-marbled sheets for your own bookbinding projects.",
                compare_at="25.00",
            ),
            P(
                "Bookbinding Starter Kit",
                "55.00",
                ("kits", "bookbinding", "gift"),
                "Awl, needles, thread, bone folder and paper for three books.",
            ),
            P(
                "Sketchbook, Mixed-Media Paper",
                "38.00",
                ("journals", "art supplies"),
                "Heavy 250 gsm paper that survives watercolour and gouache.",
                stock=0,
            ),
            P(
                "Pocket Notebook",
                "16.00",
                ("notebooks", "stationery"),
                "A tiny pamphlet-stitched notebook for a back pocket.",
            ),
        ),
    ),
    "tidepool_soap": ShopSeed(
        "flat",
        (
            "Cold-process, cured for six weeks",
            "Wrapped in recycled paper, never plastic",
            "About 110 g per bar",
        ),
        (
            P(
                "Seaweed & Sea Salt Bar",
                "9.00",
                ("soap", "skincare"),
                "Hand-harvested kelp and Atlantic sea salt for a gentle scrub.",
            ),
            P(
                "Pink Clay Facial Bar",
                "11.00",
                ("soap", "skincare", "face"),
                "French pink clay and rosehip oil for sensitive skin.",
                stock=2,
            ),
            P(
                "Unscented Oat Bar",
                "8.00",
                ("soap", "skincare", "unscented"),
                "Colloidal oats and nothing else: for skin that reacts to everything.",
            ),
            P(
                "Shampoo Bar",
                "12.00",
                ("soap", "hair"),
                "A solid shampoo that lathers in hard water.",
                compare_at="14.00",
            ),
            P(
                "Soap Dish, Cedar",
                "14.00",
                ("soap", "bathroom"),
                "A slatted cedar dish that lets bars dry between uses.",
                shape="bowl",
            ),
            P(
                "Gift Box of Four",
                "38.00",
                ("soap", "gift"),
                "Four full bars of your choice in a recycled gift box.",
                stock=0,
            ),
            P(
                "Seasonal Bar: Bonfire",
                "10.00",
                ("soap", "seasonal"),
                "Smoky birch tar and orange for the cold months.",
                draft=True,
            ),
        ),
    ),
}

# Generated creators: their handle ends in one of demo.CRAFTS' slugs. Each craft has the
# tags of its products, the object drawn in their images, and (noun, low, high) items
# priced between low and high.
CRAFT_PRODUCTS: dict[str, tuple[tuple[str, ...], str, tuple[tuple[str, int, int], ...]]] = {
    "woodworks": (
        ("wood", "kitchen"),
        "flat",
        (
            ("Serving Board", 35, 90),
            ("Cooking Spoon", 18, 32),
            ("Stool", 120, 260),
            ("Bowl", 40, 110),
        ),
    ),
    "pottery": (
        ("ceramics", "kitchen"),
        "mug",
        (("Mug", 24, 40), ("Bowl", 28, 60), ("Plate", 26, 48), ("Vase", 30, 90)),
    ),
    "prints": (
        ("prints", "posters"),
        "flat",
        (("Poster", 18, 45), ("Tote Bag", 16, 28), ("Postcard Set", 8, 14), ("Art Print", 22, 60)),
    ),
    "leather": (
        ("leather", "accessories"),
        "flat",
        (("Wallet", 45, 95), ("Belt", 55, 110), ("Card Holder", 25, 45), ("Key Fob", 12, 22)),
    ),
    "glass": (
        ("glass", "home decor"),
        "tall",
        (("Tumbler", 22, 40), ("Vase", 45, 140), ("Carafe", 50, 95), ("Bauble", 15, 30)),
    ),
    "quilts": (
        ("quilts", "textiles"),
        "flat",
        (
            ("Quilt", 180, 450),
            ("Cushion", 40, 75),
            ("Table Runner", 35, 60),
            ("Baby Blanket", 70, 140),
        ),
    ),
    "tea": (
        ("tea", "gift"),
        "bag",
        (
            ("Loose-Leaf Tea, 100 g", 9, 18),
            ("Tea Sampler", 20, 36),
            ("Tea Tin", 12, 24),
            ("Infuser", 10, 18),
        ),
    ),
    "hotsauce": (
        ("hot sauce", "food"),
        "tall",
        (
            ("Hot Sauce", 8, 14),
            ("Chilli Oil", 9, 15),
            ("Sauce Trio", 22, 36),
            ("Chilli Flakes", 6, 10),
        ),
    ),
    "weaving": (
        ("weaving", "textiles"),
        "flat",
        (
            ("Wall Hanging", 60, 220),
            ("Table Runner", 45, 90),
            ("Placemat Set", 30, 60),
            ("Scarf", 55, 120),
        ),
    ),
    "vintage": (
        ("vintage", "clothing"),
        "flat",
        (
            ("Denim Jacket", 65, 140),
            ("Work Shirt", 35, 70),
            ("Chore Coat", 80, 160),
            ("Jeans", 50, 110),
        ),
    ),
    "honey": (
        ("honey", "food"),
        "tall",
        (
            ("Raw Honey, 340 g", 9, 15),
            ("Honeycomb", 14, 24),
            ("Beeswax Candle", 12, 26),
            ("Honey Gift Set", 28, 45),
        ),
    ),
    "baskets": (
        ("baskets", "home decor"),
        "bowl",
        (
            ("Log Basket", 60, 120),
            ("Shopping Basket", 45, 85),
            ("Bread Basket", 25, 45),
            ("Plant Basket", 30, 55),
        ),
    ),
    "jewelry": (
        ("jewelry", "earrings"),
        "ring",
        (("Earrings", 28, 65), ("Necklace", 35, 90), ("Ring", 30, 80), ("Hoops", 25, 55)),
    ),
    "bakes": (
        ("bakes", "food"),
        "round",
        (
            ("Shortbread Tin", 14, 24),
            ("Biscotti", 10, 16),
            ("Granola", 9, 14),
            ("Cookie Box", 18, 30),
        ),
    ),
    "dyeworks": (
        ("yarn", "natural dye"),
        "round",
        (
            ("Yarn Skein", 22, 34),
            ("Linen Napkins", 28, 48),
            ("Dye Kit", 35, 60),
            ("Silk Scarf", 45, 90),
        ),
    ),
    "bikes": (
        ("bikes", "cycling"),
        "ring",
        (
            ("Saddle Bag", 55, 110),
            ("Handlebar Bag", 45, 90),
            ("Restored Road Bike", 450, 1200),
            ("Bar Tape", 18, 30),
        ),
    ),
}
ADJECTIVES = (
    "Everyday", "Small", "Large", "Classic", "Heritage", "Limited-Run", "Seasonal",
    "Signature", "Rustic", "Minimal", "Studio", "Coastal", "Midnight", "Meadow", "Ember",
    "Harbour", "Autumn", "Spring",
)  # fmt: skip
GENERATED_BLURBS = (
    "Made by hand in small batches, so every one is a little different.",
    "One of our most-loved pieces, back in stock after a long wait.",
    "Designed to be used every day and to last for years.",
    "A limited run: when this batch is gone, it is gone.",
    "Made from materials we source within a day's drive of the studio.",
    "The piece we reach for ourselves, now in a few more colours.",
)
GENERATED_NOTES = (
    "Made to order within a week",
    "Packed plastic-free",
    "Questions? Ask in the comments: we answer every one",
)
