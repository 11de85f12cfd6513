"""A realistic large catalog, written as the four CSV files ``radar import`` reads.

Defaults: 5,000 products, 200,000 parts, 1,000,000 BOM lines. Products contain sub-assemblies
five levels deep (a part is at most six BOM levels below a product); sub-assemblies are shared
(each is used by several parents, at several levels), so one part is reached by several paths
and from many products; a tenth of the part lines use a pool of common parts (passives), the
rest any part. Part numbers follow real vendors' shapes so that the base-number rules have work
to do. Deterministic for a seed; written line by line (memory does not grow with the size).

    .venv/bin/python bench/catalog_gen.py OUT_DIR [--products 5000] [--parts 200000] \
        [--bom-lines 1000000] [--seed 16]
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

LEVELS = 5  # sub-assembly levels below the products
# The share of each sub-assembly level (deeper levels hold more, smaller assemblies).
LEVEL_SHARE = (0.10, 0.15, 0.20, 0.25, 0.30)
ASSEMBLIES_PER_PRODUCT = 4
CHILDREN_PER_ASSEMBLY = 2
COMMON_PARTS = 1_000
COMMON_SHARE = 0.1

# (manufacturer, part-number shape): real vendors' conventions, with their packing suffixes.
SHAPES = (
    ("Texas Instruments", "LM{n:04d}{pkg}R", ("D", "DG", "PW", "DGK")),
    ("STMicroelectronics", "STM32F{n:04d}C8T6{pkg}", ("", "TR")),
    ("onsemi", "MC{n:04d}CT{pkg}", ("G", "")),
    ("Yageo", "RC0603FR-07{n}{pkg}", ("L", "")),
    ("Murata", "GRM188R71H{n:04d}KA01{pkg}", ("D", "J")),
    ("Analog Devices", "AD{n:04d}AR{pkg}", ("Z", "Z-R7", "Z-RL")),
    ("Microchip", "PIC16F{n:04d}-I/{pkg}", ("SO", "P", "SS")),
    ("NXP", "PCA{n:04d}{pkg}", ("D,118", "PW,118", "BS")),
)


@dataclass
class Stats:
    products: int = 0
    parts: int = 0
    bom_lines: int = 0
    assemblies: int = 0
    used: list[str] = field(default_factory=list)  # part numbers some BOM line names
    alternates: int = 0


def part_numbers(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` distinct (mpn, manufacturer) in the vendors' shapes."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    n = 0
    while len(out) < count:
        manufacturer, shape, packages = SHAPES[n % len(SHAPES)]
        mpn = shape.format(n=n // len(SHAPES) + 100, pkg=rng.choice(packages))
        n += 1
        if mpn not in seen:
            seen.add(mpn)
            out.append((mpn, manufacturer))
    return out


def generate(
    out: Path,
    *,
    products: int = 5_000,
    parts: int = 200_000,
    bom_lines: int = 1_000_000,
    seed: int = 16,
) -> Stats:
    """Write products.csv, parts.csv, bom.csv and alternates.csv into ``out``."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    stats = Stats()
    catalog = part_numbers(parts, rng)
    with (out / "parts.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "mpn",
                "manufacturer",
                "unit_price",
                "on_hand",
                "on_order",
                "lifecycle_status",
                "moq",
                "order_multiple",
            ]
        )
        for mpn, manufacturer in catalog:
            w.writerow(
                [
                    mpn,
                    manufacturer,
                    f"{rng.uniform(0.002, 40):.4f}",
                    rng.randint(0, 80_000),
                    rng.choice((0, 0, 0, 1_000, 5_000)),
                    rng.choice(("active",) * 8 + ("nrnd", "")),
                    rng.choice(("", "", "100", "1000")),
                    rng.choice(("", "", "10", "250")),
                ]
            )
    stats.parts = len(catalog)

    # Sub-assemblies per level; products above level 1.
    total_assemblies = max(LEVELS, (products * 4))
    levels = [
        [f"SA{d + 1}-{i:05d}" for i in range(max(1, int(total_assemblies * share)))]
        for d, share in enumerate(LEVEL_SHARE)
    ]
    stats.assemblies = sum(len(level) for level in levels)
    skus = [f"P{i:05d}" for i in range(products)]
    # Every assembly's sub-assembly lines, then the part lines share what the budget leaves.
    structure: list[tuple[str, list[str]]] = []
    for sku in skus:  # mostly level 1, some deeper: products of different depths
        picks = [
            rng.choice(levels[0] if rng.random() < 0.8 else levels[1])
            for _ in range(ASSEMBLIES_PER_PRODUCT)
        ]
        structure.append((sku, sorted(set(picks))))
    for d, level in enumerate(levels[:-1]):
        for sa in level:
            picks = [rng.choice(levels[d + 1]) for _ in range(CHILDREN_PER_ASSEMBLY)]
            structure.append((sa, sorted(set(picks))))
    for sa in levels[-1]:
        structure.append((sa, []))
    assembly_lines = sum(len(children) for _, children in structure)
    part_lines = max(0, bom_lines - assembly_lines)
    per, extra = divmod(part_lines, len(structure))
    used = bytearray(len(catalog))
    with (out / "bom.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["parent_sku", "child_sku", "mpn", "manufacturer", "quantity"])
        for i, (parent, children) in enumerate(structure):
            for child in children:
                w.writerow([parent, child, "", "", rng.randint(1, 3)])
            count = per + (1 if i < extra else 0)
            for _ in range(count):
                if rng.random() < COMMON_SHARE:
                    k = rng.randrange(COMMON_PARTS)
                else:
                    k = rng.randrange(len(catalog))
                used[k] = 1
                mpn, manufacturer = catalog[k]
                w.writerow([parent, "", mpn, manufacturer, rng.choice((1, 1, 1, 2, 4, 10))])
            stats.bom_lines += len(children) + count
    stats.used = [catalog[k][0] for k in range(len(catalog)) if used[k]]

    with (out / "products.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sku", "name", "unit_price", "monthly_demand", "end_of_support"])
        for i, sku in enumerate(skus):
            end = "" if i % 3 else f"{2028 + i % 7}-12-31"
            demand = 0 if i % 10 == 0 else rng.randint(1, 2_000)
            w.writerow([sku, f"Product {i}", f"{rng.uniform(20, 20_000):.2f}", demand, end])
    stats.products = len(skus)

    with (out / "alternates.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["mpn", "alternate_mpn", "alternate_manufacturer", "qualified"])
        for k in rng.sample(range(len(catalog)), min(len(catalog) // 10, len(catalog) - 1)):
            mpn = catalog[k][0]
            alt_mpn, alt_manufacturer = catalog[(k + 1) % len(catalog)]
            w.writerow([mpn, alt_mpn, alt_manufacturer, rng.choice(("true", "false"))])
            stats.alternates += 1
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--parts", type=int, default=200_000)
    parser.add_argument("--bom-lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    stats = generate(
        args.out,
        products=args.products,
        parts=args.parts,
        bom_lines=args.bom_lines,
        seed=args.seed,
    )
    print(
        f"{stats.products} products, {stats.assemblies} sub-assemblies, {stats.parts} parts "
        f"({len(stats.used)} in a BOM), {stats.bom_lines} BOM lines, {stats.alternates} "
        f"alternates in {args.out}"
    )


if __name__ == "__main__":
    main()
