-- The console's inbox: search part numbers by prefix, and find the notices of a product.
CREATE INDEX IF NOT EXISTS notices_mpn_prefix ON notices (mpn_key text_pattern_ops);
CREATE INDEX IF NOT EXISTS notices_matched_prefix ON notices (upper(matched_mpn) text_pattern_ops);
CREATE INDEX IF NOT EXISTS assessments_where_used
    ON assessments USING gin ((body->'where_used') jsonb_path_ops);
