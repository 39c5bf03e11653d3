-- When each step first happened, and the citizen's rating: written in the
-- same transaction as the step's event, read by the measures.
ALTER TABLE matters ADD COLUMN accepted_at TIMESTAMP;
ALTER TABLE matters ADD COLUMN dispatched_at TIMESTAMP;
ALTER TABLE matters ADD COLUMN signed_at TIMESTAMP;
ALTER TABLE matters ADD COLUMN resolved_at TIMESTAMP;
ALTER TABLE matters ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE matters ADD COLUMN rating TEXT;
ALTER TABLE matters ADD COLUMN rating_comment TEXT;
-- Who claimed it: the leader of a key project, the volunteer of a service.
ALTER TABLE matters ADD COLUMN claimed_by BIGINT REFERENCES users (id);
-- Micro-matters, in fen.
ALTER TABLE matters ADD COLUMN requested_fen BIGINT;
ALTER TABLE matters ADD COLUMN approved_fen BIGINT;
ALTER TABLE matters ADD COLUMN spent_fen BIGINT;
-- Volunteer service requests name a menu item.
ALTER TABLE matters ADD COLUMN menu_item_id BIGINT;
CREATE INDEX matters_resolved ON matters (state, resolved_at);
CREATE INDEX matters_claimed_by ON matters (claimed_by);

CREATE TABLE milestones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    matter_id BIGINT NOT NULL REFERENCES matters (id),
    title TEXT NOT NULL,
    planned_on DATE NOT NULL,
    done_on DATE,
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX milestones_matter ON milestones (matter_id);

-- The rolling fund. Every writer to the ledger first updates this one row,
-- which serialises them, so a balance checked inside the transaction stays true.
CREATE TABLE fund_lock (
    id INTEGER PRIMARY KEY,
    turns BIGINT NOT NULL
);
INSERT INTO fund_lock (id, turns) VALUES (1, 0);

CREATE TABLE fund_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('allocation', 'reservation', 'release', 'spend')),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    matter_id BIGINT REFERENCES matters (id),
    actor TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX fund_ledger_matter ON fund_ledger (matter_id);

CREATE TABLE volunteer_teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    specialty TEXT NOT NULL,
    unit_id BIGINT REFERENCES units (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE menu_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id BIGINT NOT NULL REFERENCES volunteer_teams (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1
);
CREATE INDEX menu_items_team ON menu_items (team_id);

-- 一报到: a volunteer's team, home unit, and the community reported to.
CREATE TABLE volunteer_profiles (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    team_id BIGINT REFERENCES volunteer_teams (id),
    home_unit_id BIGINT REFERENCES units (id),
    community_id BIGINT REFERENCES units (id),
    reported_at TIMESTAMP
);

-- 两认领: service recipients and service posts a volunteer has claimed.
CREATE TABLE volunteer_claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('recipient', 'post')),
    name TEXT NOT NULL,
    community_id BIGINT NOT NULL REFERENCES units (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX volunteer_claims_user ON volunteer_claims (user_id);

-- Services delivered: date, hours (in minutes) and outcome.
CREATE TABLE service_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    matter_id BIGINT REFERENCES matters (id),
    community_id BIGINT NOT NULL REFERENCES units (id),
    served_on DATE NOT NULL,
    minutes INTEGER NOT NULL CHECK (minutes > 0),
    outcome TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX service_records_user ON service_records (user_id);
CREATE INDEX service_records_community ON service_records (community_id);

