-- Knowledge-base search ranks every article that matches (bm25) before it
-- can keep the best 20. Checking "published and valid now" for each match
-- read the whole article row, body included; this index holds what the
-- check and the order need, so the ranking pass never touches the bodies
-- and only the 20 kept articles are read in full (38 -> 17 ms for a phrase
-- found in 7,000 of 10,000 articles).
CREATE INDEX kb_search_filter ON kb_articles(id, published, valid_from, valid_until, section, updated_at);
