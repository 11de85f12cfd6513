"""Products: what each product has at risk, and a drill-down into its notices.

A product is at risk when an open notice's latest assessment finds the part in its BOM (the
assessment's where-used). Per product: how many parts are at risk, the LTB cost and revenue
at risk of those notices (a part used by several products counts in each), and the nearest
LTB date still ahead. The drill-down lists the product's notices: the inbox filtered by it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import Response

from radar_console.auth.session import Viewer
from radar_console.inbox import InboxFilter, inbox_page
from radar_console.state import StateDep
from radar_console.web.frame import render

router = APIRouter(include_in_schema=False)
PRODUCTS_LISTED = 500

_AT_RISK = """
SELECT w->>'sku' AS sku, max(w->>'name') AS name,
       count(DISTINCT coalesce(nullif(n.matched_mpn, ''), n.mpn_key)) AS parts,
       count(*) AS notices,
       sum(n.ltb_cost) AS ltb_cost, sum(n.revenue_at_risk) AS revenue_at_risk,
       min(n.effective_ltb) FILTER (WHERE n.effective_ltb >= $1) AS next_deadline,
       coalesce(max(a.body->>'currency'), 'USD') AS currency
FROM notices n
JOIN assessments a ON a.assessment_id = n.assessment_id
CROSS JOIN LATERAL jsonb_array_elements(coalesce(a.body->'where_used', '[]'::jsonb)) AS w
WHERE n.state <> 'closed' AND ($2::text IS NULL OR w->>'sku' = $2)
GROUP BY w->>'sku'
ORDER BY next_deadline NULLS LAST, revenue_at_risk DESC, sku
LIMIT $3
"""


async def products_at_risk(
    db: asyncpg.Pool, today: date, sku: str | None = None
) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(_AT_RISK, today, sku, PRODUCTS_LISTED)]


@router.get("/products")
async def products(request: Request, state: StateDep, user: Viewer) -> Response:
    rows = await products_at_risk(state.pool, state.settings.clock.today())
    return render(
        request, "products.html", {"products": rows, "listed": PRODUCTS_LISTED}, active="products"
    )


@router.get("/products/{sku}")
async def product(request: Request, state: StateDep, user: Viewer, sku: str) -> Response:
    today = state.settings.clock.today()
    summary = await products_at_risk(state.pool, today, sku)
    catalog = await state.pool.fetchrow("SELECT * FROM products WHERE sku = $1", sku)
    if catalog is None and not summary:
        return render(
            request,
            "error.html",
            {"title": "No such product", "message": f"{sku} is not in the catalog."},
            status=404,
            active="products",
        )
    where = InboxFilter(product=sku)
    page = await inbox_page(state.pool, where, today, cursor=None)
    return render(
        request,
        "product.html",
        {
            "sku": sku,
            "catalog": dict(catalog) if catalog else None,
            "summary": summary[0] if summary else None,
            "rows": page.rows,
            "more_link": f"/inbox?{where.query(cursor=page.next_cursor)}"
            if page.next_cursor
            else "",
            "inbox_link": f"/inbox?{where.query()}",
        },
        active="products",
    )
