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
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        subject -> Text,
        at -> Timestamp,
    }
}

diesel::joinable!(matters -> categories (category_id));
diesel::joinable!(events -> matters (matter_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    units,
    categories,
    matters,
    events,
    users,
    login_failures
);
