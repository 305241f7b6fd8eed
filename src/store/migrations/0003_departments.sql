-- Handling units (职能部门); department staff accounts are bound to one.
-- The work-order issue extends this table (office numbers, dispatch catalogue).
CREATE TABLE departments (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  parent_id INTEGER REFERENCES departments(id),
  created_at INTEGER NOT NULL
);

ALTER TABLE users ADD COLUMN department_id INTEGER REFERENCES departments(id);
