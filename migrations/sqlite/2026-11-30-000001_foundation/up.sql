-- Settings shared by every instance (the session key lives here).
CREATE TABLE settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- The unit tree: district -> departments and towns -> communities.
CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('district', 'department', 'town', 'community')),
    parent_id BIGINT REFERENCES units (id)
);
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sign_hours INTEGER NOT NULL CHECK (sign_hours > 0),
    resolve_days INTEGER NOT NULL CHECK (resolve_days > 0),
    active BOOLEAN NOT NULL DEFAULT 1,
    sort_order INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE matters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    category_id BIGINT NOT NULL REFERENCES categories (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    town_id BIGINT REFERENCES units (id),
    place_id BIGINT REFERENCES units (id),
    address TEXT NOT NULL,
    citizen_name TEXT,
    citizen_phone TEXT,
    unit_id BIGINT REFERENCES units (id),
    merged_into BIGINT REFERENCES matters (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sign_due_at TIMESTAMP,
    due_at TIMESTAMP,
    radio_date DATE,
    extension_days INTEGER,
    extension_reason TEXT
);
CREATE INDEX matters_state_created ON matters (state, created_at);
CREATE INDEX matters_channel_created ON matters (channel, created_at);
CREATE INDEX matters_unit_state ON matters (unit_id, state);
CREATE INDEX matters_created ON matters (created_at);
CREATE INDEX matters_due ON matters (due_at);
CREATE INDEX matters_merged_into ON matters (merged_into);

-- Every change to a matter. Append-only: the triggers refuse edits.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    matter_id BIGINT NOT NULL REFERENCES matters (id),
    at TIMESTAMP NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    note TEXT NOT NULL DEFAULT '',
    public BOOLEAN NOT NULL,
    matter_version INTEGER NOT NULL
);
CREATE INDEX events_matter ON events (matter_id, id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

INSERT INTO units (code, name, name_en, kind, parent_id) VALUES ('NH', '南海区', 'Nanhai District', 'district', NULL);
INSERT INTO units (code, name, name_en, kind, parent_id) SELECT v.code, v.name, v.name_en, v.kind, d.id FROM units d,
 (SELECT 'GC' AS code, '桂城街道' AS name, 'Guicheng Subdistrict' AS name_en, 'town' AS kind, 1 AS ord
  UNION ALL SELECT 'JJ', '九江镇', 'Jiujiang Town', 'town', 2
  UNION ALL SELECT 'XQ', '西樵镇', 'Xiqiao Town', 'town', 3
  UNION ALL SELECT 'DZ', '丹灶镇', 'Danzao Town', 'town', 4
  UNION ALL SELECT 'SS', '狮山镇', 'Shishan Town', 'town', 5
  UNION ALL SELECT 'DL', '大沥镇', 'Dali Town', 'town', 6
  UNION ALL SELECT 'LS', '里水镇', 'Lishui Town', 'town', 7
  UNION ALL SELECT 'ZJ', '区住房城乡建设和水利局', 'Housing, Construction and Water Bureau', 'department', 8
  UNION ALL SELECT 'CG', '区城市管理和综合执法局', 'Urban Management Bureau', 'department', 9
  UNION ALL SELECT 'JT', '区交通运输局', 'Transport Bureau', 'department', 10
  UNION ALL SELECT 'SJ', '区市场监督管理局', 'Market Supervision Bureau', 'department', 11
  UNION ALL SELECT 'JY', '区教育局', 'Education Bureau', 'department', 12
  UNION ALL SELECT 'WJ', '区卫生健康局', 'Health Bureau', 'department', 13
  UNION ALL SELECT 'RS', '区人力资源和社会保障局', 'Human Resources and Social Security Bureau', 'department', 14
 ) v WHERE d.code = 'NH' ORDER BY v.ord;
INSERT INTO units (code, name, name_en, kind, parent_id) SELECT v.code, v.name, v.name_en, 'community', t.id FROM units t,
 (SELECT 'GC' AS town, 'GC-XB' AS code, '夏北社区' AS name, 'Xiabei Community' AS name_en, 1 AS ord
  UNION ALL SELECT 'GC', 'GC-DJ', '叠滘社区', 'Diejiao Community', 2
  UNION ALL SELECT 'JJ', 'JJ-DG', '敦根村', 'Dungen Village', 3
  UNION ALL SELECT 'JJ', 'JJ-XX', '下西社区', 'Xiaxi Community', 4
  UNION ALL SELECT 'XQ', 'XQ-BX', '百西村', 'Baixi Village', 5
  UNION ALL SELECT 'DZ', 'DZ-XH', '仙湖社区', 'Xianhu Community', 6
  UNION ALL SELECT 'SS', 'SS-XT', '小塘社区', 'Xiaotang Community', 7
  UNION ALL SELECT 'SS', 'SS-GY', '官窑社区', 'Guanyao Community', 8
  UNION ALL SELECT 'DL', 'DL-DZ', '大镇社区', 'Dazhen Community', 9
  UNION ALL SELECT 'DL', 'DL-YB', '盐步社区', 'Yanbu Community', 10
  UNION ALL SELECT 'LS', 'LS-JFZ', '金峰洲社区', 'Jinfengzhou Community', 11
  UNION ALL SELECT 'LS', 'LS-HS', '和顺社区', 'Heshun Community', 12
 ) v WHERE t.code = v.town ORDER BY v.ord;
INSERT INTO categories (code, name, name_en, sign_hours, resolve_days, sort_order) VALUES
 ('urgent', '紧急安全隐患', 'Urgent safety hazard', 2, 1, 1),
 ('municipal', '市政设施', 'Municipal facilities', 24, 7, 2),
 ('sanitation', '环境卫生', 'Sanitation', 24, 5, 3),
 ('water', '河涌与污水', 'Rivers and sewage', 24, 15, 4),
 ('traffic', '交通出行', 'Traffic', 24, 10, 5),
 ('housing', '住房与物业', 'Housing and property', 48, 15, 6),
 ('market', '市场监管', 'Markets', 24, 7, 7),
 ('education', '教育', 'Education', 48, 15, 8),
 ('health', '医疗卫生', 'Health', 24, 7, 9),
 ('social', '社会保障', 'Social security', 48, 15, 10),
 ('other', '其他', 'Other', 48, 15, 11);
