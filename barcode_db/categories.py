"""The product categories of the registry: a small taxonomy shoppers recognise, each mapped to
GS1's Global Product Classification (GPC) so that a catalogue can be exchanged with systems that
speak GPC.

One table, here; the importer, the admin forms, the catalogue pages and the alternatives all
read it. A category's ``code`` is what files and the API carry (stable, lowercase ASCII); its
``name`` is a msgid (the Vietnamese catalog holds the names shoppers read).

GPC mapping: ``gpc_segment`` is the GPC segment (8 digits ending in six zeros) and
``gpc_family`` the GPC family (8 digits ending in four zeros) when one family covers the category,
else empty (the category spans several families of its segment). Codes as published in GS1 GPC
(gpc-browser.gs1.org), segment and family level only; a category is never mapped to a brick,
which is finer than anything this registry records. Check them against the GPC release you
exchange with: GS1 publishes a new release twice a year, and segment and family codes have been
stable across releases since 2008.
"""

from __future__ import annotations

import dataclasses

from barcode_db.messages import N_


@dataclasses.dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str  # msgid
    gpc_segment: str
    gpc_segment_name: str  # GPC's English name, for exchange files; never shown as is
    gpc_family: str = ""
    gpc_family_name: str = ""


CATEGORIES: tuple[Category, ...] = (
    Category(
        "dairy", N_("Milk and dairy products"), "50000000", "Food/Beverage/Tobacco",
        "50130000", "Milk/Butter/Cream/Yogurts/Cheese/Eggs/Substitutes",
    ),
    Category(
        "beverages", N_("Drinks, coffee and tea"), "50000000", "Food/Beverage/Tobacco",
        "50200000", "Beverages",
    ),
    Category(
        "instant_food", N_("Instant noodles and ready meals"), "50000000",
        "Food/Beverage/Tobacco", "50190000", "Prepared/Preserved Foods",
    ),
    Category(
        "confectionery", N_("Sweets and confectionery"), "50000000", "Food/Beverage/Tobacco",
        "50160000", "Confectionery/Sugar Sweetening Products",
    ),
    Category(
        "bakery", N_("Biscuits, cakes and bread"), "50000000", "Food/Beverage/Tobacco",
        "50180000", "Bread/Bakery Products",
    ),
    Category(
        "seasonings", N_("Fish sauce, sauces and seasonings"), "50000000",
        "Food/Beverage/Tobacco", "50170000", "Seasonings/Preservatives/Extracts",
    ),
    Category(
        "cooking_oil", N_("Cooking oils"), "50000000", "Food/Beverage/Tobacco",
        "50150000", "Oils/Fats Edible",
    ),
    Category(
        "rice_grains", N_("Rice, grains and flour"), "50000000", "Food/Beverage/Tobacco",
        "50220000", "Cereal/Grain/Pulse Products",
    ),
    Category(
        "meat", N_("Meat and meat products"), "50000000", "Food/Beverage/Tobacco",
        "50240000", "Meat/Poultry/Other Animals",
    ),
    Category(
        "seafood", N_("Fish and seafood"), "50000000", "Food/Beverage/Tobacco",
        "50120000", "Fish and Seafood",
    ),
    Category(
        "fruit_veg", N_("Processed fruit, vegetables and nuts"), "50000000",
        "Food/Beverage/Tobacco", "50100000", "Fruits/Vegetables/Nuts/Seeds Prepared/Processed",
    ),
    Category(
        "health_supplements", N_("Health supplements"), "51000000", "Healthcare",
        "51120000", "Health Enhancement",
    ),
    Category(
        "cosmetics", N_("Cosmetics and personal care"), "53000000",
        "Beauty/Personal Care/Hygiene",
    ),
    Category(
        "household_chemicals", N_("Detergents and household cleaning"), "47000000",
        "Cleaning/Hygiene Products", "47100000", "Cleaning Products",
    ),
    Category("baby_care", N_("Baby care"), "54000000", "Baby Care"),
    Category("footwear", N_("Footwear"), "63000000", "Footwear"),
    Category("clothing", N_("Clothing and textiles"), "67000000", "Clothing"),
    Category("home_appliances", N_("Household appliances"), "72000000", "Home Appliances"),
    Category("electrical", N_("Electrical goods"), "78000000", "Electrical Supplies"),
)  # fmt: skip

BY_CODE: dict[str, Category] = {category.code: category for category in CATEGORIES}
CODES: tuple[str, ...] = tuple(BY_CODE)


def category(code: str | None) -> Category | None:
    """The category with this code, or None (an empty or unknown code)."""
    return BY_CODE.get(code or "")
