-- Registries per tenant: persons and relations belong to a named registry
-- (data set), and a tenant reads only the one its configuration names.
-- Until now one registry was shared by every tenant, so a tenant logging
-- in through the ID-porten mock could read imported real register data.
-- The keys become (registry, pid) and (registry, id); a relation's holder
-- and subject must be persons of its own registry.
--
-- Existing rows are split by their numbers: persons with synthetic numbers
-- (month + 40 or + 80; the third digit is 4, 5, 8 or 9) and relations
-- between two of them go to the registry "synthetic", everything else to
-- "main" (the default registry of a tenant with a real upstream), with
-- the synthetic persons that such a relation names copied along.
-- Keep in step with storage/postgres/migrations/0003_registries.sql.

CREATE TABLE persons_0002 AS SELECT * FROM persons;
CREATE TABLE relations_0002 AS SELECT * FROM relations;
DROP TABLE relations;
DROP TABLE persons;

CREATE TABLE persons (
    registry             TEXT    NOT NULL,
    pid                  TEXT    NOT NULL,
    given_name           TEXT    NOT NULL DEFAULT '',
    family_name          TEXT    NOT NULL DEFAULT '',
    birth_date           INTEGER,
    confidential_address BOOLEAN NOT NULL DEFAULT FALSE,
    lacks_capacity       BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at           INTEGER,
    PRIMARY KEY (registry, pid)
);

CREATE TABLE relations (
    registry      TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    holder        TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    valid_from    INTEGER,
    valid_to      INTEGER,
    service_areas TEXT    NOT NULL DEFAULT 'null',
    withdrawn     BOOLEAN NOT NULL DEFAULT FALSE,
    withdrawn_at  INTEGER,
    updated_at    INTEGER,
    PRIMARY KEY (registry, id),
    FOREIGN KEY (registry, holder) REFERENCES persons (registry, pid),
    FOREIGN KEY (registry, subject) REFERENCES persons (registry, pid)
);
CREATE INDEX relations_holder ON relations (registry, holder);
CREATE INDEX relations_subject ON relations (registry, subject);

INSERT INTO persons (registry, pid, given_name, family_name, birth_date, confidential_address, lacks_capacity, updated_at)
SELECT 'synthetic', pid, given_name, family_name, birth_date, confidential_address, lacks_capacity, updated_at
FROM persons_0002 WHERE substr(pid, 3, 1) IN ('4', '5', '8', '9');

INSERT INTO persons (registry, pid, given_name, family_name, birth_date, confidential_address, lacks_capacity, updated_at)
SELECT 'main', p.pid, p.given_name, p.family_name, p.birth_date, p.confidential_address, p.lacks_capacity, p.updated_at
FROM persons_0002 p
WHERE substr(p.pid, 3, 1) NOT IN ('4', '5', '8', '9')
   OR EXISTS (SELECT 1 FROM relations_0002 r
              WHERE (r.holder = p.pid OR r.subject = p.pid)
                AND NOT (substr(r.holder, 3, 1) IN ('4', '5', '8', '9') AND substr(r.subject, 3, 1) IN ('4', '5', '8', '9')));

INSERT INTO relations (registry, id, kind, holder, subject, valid_from, valid_to, service_areas, withdrawn, withdrawn_at, updated_at)
SELECT CASE WHEN substr(holder, 3, 1) IN ('4', '5', '8', '9') AND substr(subject, 3, 1) IN ('4', '5', '8', '9')
            THEN 'synthetic' ELSE 'main' END,
       id, kind, holder, subject, valid_from, valid_to, service_areas, withdrawn, withdrawn_at, updated_at
FROM relations_0002;

DROP TABLE relations_0002;
DROP TABLE persons_0002;
