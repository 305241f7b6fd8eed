-- Knowledge base (参考资料, PRODUCT D6, A6). Every saved edit is kept in
-- kb_article_versions; kb_fts indexes title and body with the trigram
-- tokenizer so that any Chinese substring of 3+ characters matches.
CREATE TABLE kb_articles (
  id INTEGER PRIMARY KEY,
  section TEXT NOT NULL CHECK (section IN ('policy', 'city_guide', 'office_guide', 'investment_guide',
                                           'department_functions', 'news', 'faq')),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  department_id INTEGER REFERENCES departments(id),
  published INTEGER NOT NULL DEFAULT 1 CHECK (published IN (0, 1)),
  valid_from INTEGER,                       -- unix ms; NULL: no limit
  valid_until INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  created_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX kb_by_section ON kb_articles(section, published);

CREATE TABLE kb_article_versions (
  article_id INTEGER NOT NULL REFERENCES kb_articles(id),
  version INTEGER NOT NULL,
  section TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  edited_by INTEGER,
  edited_at INTEGER NOT NULL,
  PRIMARY KEY (article_id, version)
) WITHOUT ROWID;
CREATE TRIGGER kb_article_versions_no_update BEFORE UPDATE ON kb_article_versions
BEGIN SELECT RAISE(ABORT, 'kb_article_versions is append-only'); END;
CREATE TRIGGER kb_article_versions_no_delete BEFORE DELETE ON kb_article_versions
BEGIN SELECT RAISE(ABORT, 'kb_article_versions is append-only'); END;

-- External-content FTS5 table kept in step with kb_articles by triggers.
CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, content='kb_articles', content_rowid='id', tokenize='trigram');
CREATE TRIGGER kb_articles_fts_insert AFTER INSERT ON kb_articles BEGIN
  INSERT INTO kb_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER kb_articles_fts_update AFTER UPDATE OF title, body ON kb_articles BEGIN
  INSERT INTO kb_fts (kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
  INSERT INTO kb_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER kb_articles_fts_delete AFTER DELETE ON kb_articles BEGIN
  INSERT INTO kb_fts (kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;

-- A consultation answered from an article keeps the link (D6).
ALTER TABLE tickets ADD COLUMN kb_article_id INTEGER REFERENCES kb_articles(id);
