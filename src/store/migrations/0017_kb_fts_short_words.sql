-- Two-character words (社保, 医保, 落户: most Chinese words) through the
-- knowledge-base index instead of a scan of every article. The trigram
-- index holds every 3-character substring; a 2-character word occurs in an
-- article exactly when some indexed trigram starts with it, provided the word
-- is never the last two characters of a column. So each column is indexed
-- with U+E000 (private use, never typed) appended, and the search looks the
-- word's trigrams up in kb_fts_terms (a range of the sorted vocabulary) and
-- matches any of them. kb_fts becomes an ordinary FTS5 table holding its own
-- copy of the text, so the index and its content always agree (an
-- external-content index would not match kb_articles' text).
DROP TRIGGER kb_articles_fts_insert;
DROP TRIGGER kb_articles_fts_update;
DROP TRIGGER kb_articles_fts_delete;
DROP TABLE kb_fts;
CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, tokenize='trigram');
INSERT INTO kb_fts (rowid, title, body) SELECT id, title || char(57344), body || char(57344) FROM kb_articles;
CREATE VIRTUAL TABLE kb_fts_terms USING fts5vocab(kb_fts, 'row');
CREATE TRIGGER kb_articles_fts_insert AFTER INSERT ON kb_articles BEGIN
  INSERT INTO kb_fts (rowid, title, body) VALUES (new.id, new.title || char(57344), new.body || char(57344));
END;
CREATE TRIGGER kb_articles_fts_update AFTER UPDATE OF title, body ON kb_articles BEGIN
  UPDATE kb_fts SET title = new.title || char(57344), body = new.body || char(57344) WHERE rowid = old.id;
END;
CREATE TRIGGER kb_articles_fts_delete AFTER DELETE ON kb_articles BEGIN
  DELETE FROM kb_fts WHERE rowid = old.id;
END;
