-- The catalog the impact engine reads: products, their (indentured) bills of materials, parts
-- with stock and price, and alternates. MPNs are stored upper-case, trimmed; `base_mpn` is the
-- orderable number without its packaging suffix (radar_common.catalog.partnumbers.base_mpn).
CREATE TABLE products (
    sku            text PRIMARY KEY,
    name           text NOT NULL,
    unit_price     numeric(14, 2) NOT NULL CHECK (unit_price >= 0),
    monthly_demand numeric NOT NULL CHECK (monthly_demand >= 0),
    end_of_support date
);

CREATE TABLE parts (
    mpn              text PRIMARY KEY,
    base_mpn         text NOT NULL,
    manufacturer     text NOT NULL,
    unit_price       numeric(14, 4) NOT NULL CHECK (unit_price >= 0),
    on_hand          bigint NOT NULL CHECK (on_hand >= 0),
    on_order         bigint NOT NULL CHECK (on_order >= 0),
    lifecycle_status text NOT NULL DEFAULT ''
);
CREATE INDEX parts_base ON parts (base_mpn);

-- One row per BOM line: a sub-assembly (child_sku) or a part (mpn), never both.
CREATE TABLE bom_lines (
    line_id      bigserial PRIMARY KEY,
    parent_sku   text NOT NULL,
    child_sku    text,
    mpn          text,
    base_mpn     text,
    manufacturer text NOT NULL DEFAULT '',
    quantity     numeric NOT NULL CHECK (quantity > 0),
    CHECK ((child_sku IS NULL) <> (mpn IS NULL))
);
CREATE INDEX bom_lines_child ON bom_lines (child_sku) WHERE child_sku IS NOT NULL;
CREATE INDEX bom_lines_mpn ON bom_lines (mpn) WHERE mpn IS NOT NULL;
CREATE INDEX bom_lines_base ON bom_lines (base_mpn) WHERE base_mpn IS NOT NULL;

CREATE TABLE alternates (
    mpn                    text NOT NULL,
    alternate_mpn          text NOT NULL,
    alternate_manufacturer text NOT NULL DEFAULT '',
    qualified              boolean NOT NULL,
    PRIMARY KEY (mpn, alternate_mpn)
);

-- Columns the read API filters and sorts on (the whole assessment stays in `body`).
ALTER TABLE assessments
    ADD COLUMN matched_mpn        text NOT NULL DEFAULT '',
    ADD COLUMN match_kind         text NOT NULL DEFAULT 'none',
    ADD COLUMN recommended_action text NOT NULL DEFAULT 'none',
    ADD COLUMN risk_score         double precision NOT NULL DEFAULT 0;
CREATE INDEX assessments_severity ON assessments (severity, computed_at DESC);
CREATE INDEX assessments_computed ON assessments (computed_at DESC);
