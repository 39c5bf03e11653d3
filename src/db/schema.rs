//! The tables, in types both backends share. Kept in step with
//! `migrations/`; `tests/schema.rs` checks the two agree on a fresh database.

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    units (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        name_en -> Text,
        kind -> Text,
        parent_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        name_en -> Text,
        sign_hours -> Integer,
        resolve_days -> Integer,
        active -> Bool,
        sort_order -> Integer,
        attributes -> Nullable<Text>,
    }
}

diesel::table! {
    matters (id) {
        id -> BigInt,
        code -> Text,
        channel -> Text,
        source -> Text,
        state -> Text,
        category_id -> BigInt,
        title -> Text,
        description -> Text,
        town_id -> Nullable<BigInt>,
        place_id -> Nullable<BigInt>,
        address -> Text,
        citizen_name -> Nullable<Text>,
        citizen_phone -> Nullable<Text>,
        unit_id -> Nullable<BigInt>,
        merged_into -> Nullable<BigInt>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sign_due_at -> Nullable<Timestamp>,
        due_at -> Nullable<Timestamp>,
        radio_date -> Nullable<Date>,
        extension_days -> Nullable<Integer>,
        extension_reason -> Nullable<Text>,
        accepted_at -> Nullable<Timestamp>,
        dispatched_at -> Nullable<Timestamp>,
        signed_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        rating -> Nullable<Text>,
        rating_comment -> Nullable<Text>,
        claimed_by -> Nullable<BigInt>,
        requested_fen -> Nullable<BigInt>,
        approved_fen -> Nullable<BigInt>,
        spent_fen -> Nullable<BigInt>,
        menu_item_id -> Nullable<BigInt>,
        lat -> Nullable<Double>,
        lng -> Nullable<Double>,
        address_id -> Nullable<Text>,
        api_client -> Nullable<Text>,
        attributes -> Nullable<Text>,
        /// PostgreSQL: a new matter's search tokens as tsvector text, handed
        /// to the trigger that files them (see `db::search`); always empty
        /// once stored, and on SQLite.
        search -> Nullable<Text>,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        matter_id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        kind -> Text,
        from_state -> Nullable<Text>,
        to_state -> Nullable<Text>,
        note -> Text,
        public -> Bool,
        matter_version -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        role -> Text,
        unit_id -> Nullable<BigInt>,
        password_hash -> Text,
        active -> Bool,
        session_version -> Integer,
        created_at -> Timestamp,
        email -> Nullable<Text>,
    }
}

diesel::table! {
    citizen_contacts (matter_id) {
        matter_id -> BigInt,
        email -> Nullable<Text>,
        sms -> Bool,
        lang -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        transport -> Text,
        recipient -> Text,
        matter_id -> Nullable<BigInt>,
        params -> Text,
        dedupe -> Nullable<Text>,
        created_at -> Timestamp,
        next_at -> Timestamp,
        attempts -> Integer,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        subject -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    milestones (id) {
        id -> BigInt,
        matter_id -> BigInt,
        title -> Text,
        planned_on -> Date,
        done_on -> Nullable<Date>,
        progress -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    fund_lock (id) {
        id -> Integer,
        turns -> BigInt,
        allocated_fen -> BigInt,
        reserved_fen -> BigInt,
        released_fen -> BigInt,
        spent_fen -> BigInt,
    }
}

diesel::table! {
    fund_ledger (id) {
        id -> BigInt,
        at -> Timestamp,
        kind -> Text,
        amount_fen -> BigInt,
        matter_id -> Nullable<BigInt>,
        actor -> Text,
        note -> Text,
    }
}

diesel::table! {
    volunteer_teams (id) {
        id -> BigInt,
        name -> Text,
        specialty -> Text,
        unit_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    menu_items (id) {
        id -> BigInt,
        team_id -> BigInt,
        title -> Text,
        description -> Text,
        active -> Bool,
    }
}

diesel::table! {
    volunteer_profiles (user_id) {
        user_id -> BigInt,
        team_id -> Nullable<BigInt>,
        home_unit_id -> Nullable<BigInt>,
        community_id -> Nullable<BigInt>,
        reported_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    volunteer_claims (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        name -> Text,
        community_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    service_records (id) {
        id -> BigInt,
        user_id -> BigInt,
        matter_id -> Nullable<BigInt>,
        community_id -> BigInt,
        served_on -> Date,
        minutes -> Integer,
        outcome -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        client -> Text,
        key_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(matters -> categories (category_id));
diesel::joinable!(menu_items -> volunteer_teams (team_id));
diesel::table! {
    photos (id) {
        id -> BigInt,
        token -> Text,
        matter_id -> BigInt,
        matter_version -> Integer,
        by_citizen -> Bool,
        public -> Bool,
        width -> Integer,
        height -> Integer,
        image -> Nullable<Binary>,
        thumb -> Nullable<Binary>,
        link -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(events -> matters (matter_id));
diesel::joinable!(photos -> matters (matter_id));
diesel::joinable!(citizen_contacts -> matters (matter_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    citizen_contacts,
    outbox,
    photos,
    units,
    categories,
    matters,
    events,
    users,
    login_failures,
    milestones,
    fund_lock,
    fund_ledger,
    volunteer_teams,
    menu_items,
    volunteer_profiles,
    volunteer_claims,
    service_records,
    api_keys
);
