-- The relation registry (issue 4): who may act for whom. Holder and
-- subject must be registered persons. service_areas is a JSON list.
-- Keep in step with storage/sqlite/migrations/0002_relations.sql.

CREATE TABLE relations (
    id            TEXT        NOT NULL PRIMARY KEY,
    kind          TEXT        NOT NULL,
    holder        TEXT        NOT NULL REFERENCES persons (pid),
    subject       TEXT        NOT NULL REFERENCES persons (pid),
    valid_from    TIMESTAMPTZ,
    valid_to      TIMESTAMPTZ,
    service_areas TEXT        NOT NULL DEFAULT 'null',
    withdrawn     BOOLEAN     NOT NULL DEFAULT FALSE,
    withdrawn_at  TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ
);
CREATE INDEX relations_holder ON relations (holder);
CREATE INDEX relations_subject ON relations (subject);
