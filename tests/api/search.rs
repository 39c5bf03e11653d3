//! The inbox's free-text search: an index of character bigrams on both
//! backends (FTS5, a GIN-indexed tsvector), checked against what a plain
//! `LIKE` over the same fields finds.

use std::collections::BTreeSet;

use diesel::prelude::*;

use crate::helpers::*;

/// What one stored matter says.
struct Doc {
    title: &'static str,
    description: &'static str,
    address: &'static str,
    phone: Option<&'static str>,
}

const fn doc(
    title: &'static str,
    description: &'static str,
    address: &'static str,
    phone: Option<&'static str>,
) -> Doc {
    Doc {
        title,
        description,
        address,
        phone,
    }
}

/// A small district's worth of texts: the words dispatchers look for,
/// near misses (the two halves of a word apart, across punctuation), Latin
/// letters and digits beside Chinese, full-width forms.
const DOCS: [Doc; 17] = [
    doc(
        "西街路灯不亮",
        "晚上路灯全部不亮。",
        "西街3号",
        Some("13812345678"),
    ),
    doc(
        "井盖破损",
        "人行道井盖松动，有安全隐患",
        "东风路12号",
        Some("13900001111"),
    ),
    doc("噪音扰民", "夜间施工，路边灯光太亮", "A栋楼下", None),
    doc(
        "路口红绿灯",
        "红绿灯时间太短",
        "南环路",
        Some("0757-86221234"),
    ),
    doc(
        "小区电梯故障",
        "3号楼电梯经常停",
        "幸福小区3号楼",
        Some("13812340000"),
    ),
    doc("垃圾清运", "垃圾桶满了没人清", "B栋旁", None),
    doc("路 灯不亮", "路、灯", "中山路", None),
    doc(
        "河涌异味",
        "河涌有异味，路灯也坏了",
        "滨河路８号",
        Some("13700002222"),
    ),
    doc("占道经营", "商贩占用人行道", "A栋门口", None),
    doc("井盖", "", "", None),
    doc("路灯", "", "", Some("13812345678")),
    doc("灯坏了", "路边的灯坏了", "路灯杆旁", None),
    doc("Ａ栋漏水", "顶楼漏水", "Ａ栋", None),
    doc("学校门口拥堵", "接送车辆多", "育才路", Some("020-12345678")),
    doc("社保卡补办", "咨询补办流程", "", None),
    doc("菜市场缺斤短两", "买菜缺斤短两", "菜市场", None),
    // A number as no form stores one (from an older import): a query in
    // Chinese found only there is still found.
    doc("咨询", "", "", Some("值班室座机")),
];

/// Stores the documents as online matters a minute apart (later ones
/// newer); returns their ids in order.
fn store(app: &TestApp, docs: &[Doc]) -> Vec<i64> {
    app.store_online(
        3,
        docs.iter().map(|d| Texts {
            title: d.title.into(),
            description: d.description.into(),
            address: d.address.into(),
            phone: d.phone.map(str::to_owned),
        }),
    )
}

/// The ids a `LIKE '%q%'` over title, description, address, code and
/// phone finds, asked of the database itself.
fn like(app: &TestApp, q: &str) -> BTreeSet<i64> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let pattern = format!("%{q}%");
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT id FROM matters WHERE title LIKE $1 OR description LIKE $1 OR address LIKE $1 \
         OR code LIKE $1 OR citizen_phone LIKE $1",
    )
    .bind::<diesel::sql_types::Text, _>(pattern)
    .load(&mut app.conn())
    .expect("like");
    rows.into_iter().map(|r| r.id).collect()
}

/// The matter ids an inbox page lists, in order.
fn ids_in(html: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for part in html.split("<a href=\"/staff/matters/").skip(1) {
        let id: String = part.chars().take_while(char::is_ascii_digit).collect();
        let id = id.parse().expect("id");
        if out.last() != Some(&id) {
            out.push(id);
        }
    }
    out
}

async fn search(staff: &Staff, q: &str) -> Vec<i64> {
    let html = staff
        .get_text(&format!(
            "/staff/matters?state=&per_page=100&q={}",
            encode(q)
        ))
        .await;
    ids_in(&html)
}

#[tokio::test]
async fn search_finds_what_like_finds_and_nothing_it_would_not() {
    let app = spawn_app().await;
    let ids = store(&app, &DOCS);
    let all: BTreeSet<i64> = ids.iter().copied().collect();
    let staff = app.dispatcher().await;
    // Before and after SQLite files them in its index (new matters are
    // read directly until then), the same answers.
    for filed in [false, true] {
        if filed {
            shishi::db::search::catch_up(&mut app.conn(), 10_000).expect("filed");
        }
        like_and_search_agree(&app, &staff, &all).await;
    }
    // A tracking code, as typed from a phone call (lower case), opens its
    // matter; part of one finds it.
    let code = app.matter_field(ids[4], "code").expect("code");
    let res = staff
        .get(&format!(
            "/staff/matters?state=&q={}",
            encode(&code.to_lowercase())
        ))
        .await;
    assert_eq!(
        res.headers()["location"],
        format!("/staff/matters/{}", ids[4])
    );
    assert_eq!(
        search(&staff, &code[3..].to_lowercase()).await,
        vec![ids[4]]
    );
    // Full-width letters and digits are the ASCII ones.
    let wide: BTreeSet<i64> = search(&staff, "Ａ栋").await.into_iter().collect();
    let narrow: BTreeSet<i64> = search(&staff, "a栋").await.into_iter().collect();
    assert_eq!(wide, narrow);
    assert!(
        wide.contains(&ids[2]) && wide.contains(&ids[12]),
        "{wide:?}"
    );
    assert_eq!(
        search(&staff, "８号").await,
        search(&staff, "8号").await,
        "full-width digits"
    );
    assert_eq!(
        search(&staff, "８１２３４５").await,
        search(&staff, "812345").await,
        "full-width digits in a row"
    );
    // A phone number as a caller ID or a caller gives it is looked for in
    // the form numbers are stored in.
    let mobile = search(&staff, "13812345678").await;
    assert_eq!(mobile, vec![ids[10], ids[0]]);
    for typed in [
        "+86 138 1234 5678",
        "138-1234-5678",
        "１３８ １２３４ ５６７８",
    ] {
        assert_eq!(search(&staff, typed).await, mobile, "{typed}");
    }
    for typed in ["(0757) 8622 1234", "075786221234", "0757 86221234"] {
        assert_eq!(search(&staff, typed).await, vec![ids[3]], "{typed}");
    }
    // Two words: both must be there, anywhere.
    let both: BTreeSet<i64> = search(&staff, "路灯 河涌").await.into_iter().collect();
    assert_eq!(both, BTreeSet::from([ids[7]]));
}

/// Two characters, a character beside a Latin letter or a digit, digits of
/// a phone number, a near miss ("路灯坏": both bigrams are there, in
/// different places), across punctuation, one character (not indexed:
/// read in order), words in no matter: the search finds what LIKE finds.
async fn like_and_search_agree(app: &TestApp, staff: &Staff, all: &BTreeSet<i64>) {
    for q in [
        "路灯",
        "井盖",
        "灯坏",
        "路灯坏",
        "栋楼",
        "3号",
        "3号楼",
        "电梯",
        "12345678",
        "1381234",
        "0757-8622",
        "13812345678",
        "13812340000",
        "2345678",
        "812345",
        "5678",
        "1234",
        "2212",
        "0757-86221234",
        "86221234",
        "020-12345678",
        "1381234567",
        "13812345679",
        "缺斤短两",
        "值班室",
        "座机",
        "灯",
        "路",
        "漏水",
        "异味",
        "人行道",
        "拥堵了",
        "火灾",
        "灯光",
    ] {
        let found = search(staff, q).await;
        let expected: BTreeSet<i64> = like(app, q).intersection(all).copied().collect();
        let got: BTreeSet<i64> = found.iter().copied().collect();
        assert_eq!(got.len(), found.len(), "{q}: each matter once");
        assert_eq!(got, expected, "{q}: the search finds what LIKE finds");
    }
}

#[tokio::test]
async fn results_come_best_match_first_then_newest() {
    let app = spawn_app().await;
    let ids = store(&app, &DOCS);
    let staff = app.dispatcher().await;
    // "1381234": in two phone numbers; newest (higher index) first.
    assert_eq!(
        search(&staff, "1381234").await,
        vec![ids[10], ids[4], ids[0]]
    );
    // "路灯": the titles first (newest first), then the rest (newest first).
    let found = search(&staff, "路灯").await;
    let titles = vec![ids[10], ids[0]];
    let rest = vec![ids[11], ids[7]];
    assert_eq!(found, [titles, rest].concat());
    let html = staff
        .get_text(&format!("/staff/matters?state=&q={}", encode("路灯")))
        .await;
    assert!(html.contains("按相关程度排列"), "the order is explained");
}

#[tokio::test]
async fn search_results_page_forwards_and_back_without_gaps() {
    let app = spawn_app().await;
    // 23 matters with the word in the title, 12 with it elsewhere.
    let titles = app.many_matters(23, |i| format!("第{i}号井盖破损"));
    let docs: Vec<Doc> = (0..12)
        .map(|_| doc("人行道问题", "井盖不见了", "", None))
        .collect();
    let others = store(&app, &docs);
    let staff = app.dispatcher().await;
    let mut expected: Vec<i64> = titles.iter().rev().copied().collect();
    expected.extend(others.iter().rev());

    let mut seen: Vec<i64> = Vec::new();
    let mut pages = Vec::new();
    let mut path = format!("/staff/matters?state=&per_page=10&q={}", encode("井盖"));
    loop {
        let html = staff.get_text(&path).await;
        let rows = ids_in(&html);
        assert!(rows.len() <= 10, "{path}: {rows:?}");
        seen.extend(&rows);
        pages.push((path.clone(), rows));
        let Some(start) = html.find("rel=\"next\"") else {
            break;
        };
        let href_at = html[..start].rfind("href=\"").expect("href") + 6;
        let href = &html[href_at..html[href_at..].find('"').expect("end") + href_at];
        path = href.replace("&#38;", "&").replace("&amp;", "&");
        assert!(pages.len() < 10, "the pages end");
    }
    assert_eq!(seen, expected, "every result once, in order, across pages");
    assert_eq!(pages.len(), 4);

    // From the third page, the previous page is the second again.
    let third = staff.get_text(&pages[2].0).await;
    let prev_at = third.find("rel=\"prev\"").expect("a previous page");
    let href_at = third[..prev_at].rfind("href=\"").expect("href") + 6;
    let href = third[href_at..third[href_at..].find('"').expect("end") + href_at]
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert_eq!(ids_in(&staff.get_text(&href).await), pages[1].1);
}

#[tokio::test]
async fn a_citizens_request_is_found_as_soon_as_it_is_stored() {
    let app = spawn_app().await;
    let code = app.submit_valid().await;
    let id = app.matter_id(&code);
    let staff = app.dispatcher().await;
    // By a word of its title, of its address, its phone (the tokens written
    // with the row on PostgreSQL, by the trigger on SQLite), and part of its
    // code (the whole code opens the matter itself).
    for q in ["三巷路灯", "12号", "13812345678", &code[3..]] {
        assert_eq!(search(&staff, q).await, vec![id], "{q}");
    }
    let res = staff
        .get(&format!("/staff/matters?q={}", encode(&code)))
        .await;
    assert_eq!(res.headers()["location"], format!("/staff/matters/{id}"));
    // What was stored is what domain::search computes.
    let mut conn = app.conn();
    let stored = shishi::db::search::stored_tokens(&mut conn, id).expect("tokens");
    let expected = shishi::domain::search::document(&shishi::domain::search::Fields {
        title: "夏北三巷路灯不亮",
        description: "夏北社区三巷的路灯已经坏了一个星期，晚上很黑。",
        address: "夏北三巷12号",
        code: &code,
        phone: Some("13812345678"),
    });
    assert_eq!(stored, expected);
}

#[tokio::test]
async fn the_index_follows_changes_to_a_matter() {
    let app = spawn_app().await;
    let ids = store(&app, &DOCS);
    // Filed in SQLite's index, so that its triggers are what changes it.
    shishi::db::search::catch_up(&mut app.conn(), 10_000).expect("filed");
    let staff = app.dispatcher().await;
    assert_eq!(search(&staff, "13700002222").await, vec![ids[7]]);
    // A phone number removed (as anonymizing does) leaves the index too,
    // and a changed title is found by its new words.
    let mut conn = app.conn();
    diesel::sql_query(format!(
        "UPDATE matters SET citizen_phone = NULL, title = '桥面坑洼' WHERE id = {}",
        ids[7]
    ))
    .execute(&mut conn)
    .expect("update");
    assert!(search(&staff, "13700002222").await.is_empty());
    assert_eq!(search(&staff, "坑洼").await, vec![ids[7]]);
    assert!(!search(&staff, "河涌异味").await.contains(&ids[7]));
    // A deleted matter is gone from the index.
    diesel::sql_query(format!("DELETE FROM matters WHERE id = {}", ids[9]))
        .execute(&mut conn)
        .expect("delete");
    assert!(!search(&staff, "井盖").await.contains(&ids[9]));
}

#[test]
fn the_database_indexes_the_tokens_domain_search_computes() {
    // PostgreSQL computes the tokens in SQL (migration `search`); they must
    // be Rust's, character for character, or a query would miss.
    let (url, _dir) = fresh_database();
    shishi::db::migrate(&shishi::db::Backend::from_url(&url)).expect("migrate");
    let mut conn = shishi::db::open(&url).expect("open");
    let texts = [
        (
            "西街路灯不亮",
            "晚上，路灯“全部”不亮！",
            "Ａ栋３号—东门",
            "NH2412000001",
            Some("0757-86221234"),
        ),
        (
            "Mixed CASE 文本",
            "tab\there；semi:colon，电话１３８１２３４５６７８转0",
            "〈书名〉《书》【括号】",
            "nh2412000002",
            None,
        ),
        ("·中点・", "ﾟ半角｡", "﹏下划线", "X", Some("1")),
    ];
    for (i, (title, description, address, code, phone)) in texts.into_iter().enumerate() {
        diesel::sql_query(format!(
            "INSERT INTO matters (id, code, channel, source, state, category_id, title, description, \
             address, citizen_phone, version, created_at, updated_at) VALUES ({}, '{code}', 'online', \
             'web', 'submitted', (SELECT min(id) FROM categories), '{title}', '{description}', \
             '{address}', {}, 1, '2026-12-01 00:00:00', '2026-12-01 00:00:00')",
            i + 1,
            phone.map_or("NULL".to_owned(), |p| format!("'{p}'")),
        ))
        .execute(&mut conn)
        .expect("insert");
        let stored = shishi::db::search::stored_tokens(&mut conn, i as i64 + 1).expect("tokens");
        let expected = shishi::domain::search::document(&shishi::domain::search::Fields {
            title,
            description,
            address,
            code,
            phone,
        });
        assert_eq!(stored, expected, "{} tokens of {title}", backend_name());
    }
}

#[test]
fn matters_filed_before_digit_grams_are_found_by_their_number_after() {
    // The migration `digit_grams` files again what was filed without them.
    let (url, _dir) = fresh_database();
    let backend = shishi::db::Backend::from_url(&url);
    shishi::db::migrate(&backend).expect("migrate");
    // On PostgreSQL the index is built again by a migration of its own;
    // on SQLite `search_merge` came after it.
    let reverted = 2;
    for _ in 0..reverted {
        shishi::db::revert_last_migration(&url).expect("revert");
    }
    let mut conn = shishi::db::open(&url).expect("open");
    let fields = shishi::domain::search::Fields {
        title: "路灯不亮",
        description: "",
        address: "",
        code: "NH-7KQ3-M9XD",
        phone: Some("13812345678"),
    };
    diesel::sql_query(
        "INSERT INTO matters (id, code, channel, source, state, category_id, title, description, \
         address, citizen_phone, version, created_at, updated_at) VALUES (1, 'NH-7KQ3-M9XD', \
         'online', 'web', 'submitted', (SELECT min(id) FROM categories), '路灯不亮', '', '', \
         '13812345678', 1, '2026-12-01 00:00:00', '2026-12-01 00:00:00')",
    )
    .execute(&mut conn)
    .expect("insert");
    let document = shishi::domain::search::document(&fields);
    // Without the four-digit grams (of the plain and the key tier).
    let before: Vec<String> = document
        .iter()
        .filter(|t| !shishi::domain::search::is_digit_gram(t.trim_start_matches(['k', 't'])))
        .cloned()
        .collect();
    assert_eq!(document.len() - before.len(), 16);
    if let shishi::db::AnyConnection::Sqlite(c) = &mut conn {
        // What the build before it filed.
        diesel::sql_query("INSERT INTO matter_search (rowid, terms) VALUES (1, $1)")
            .bind::<diesel::sql_types::Text, _>(before.join(" "))
            .execute(c)
            .expect("filed");
        diesel::sql_query("UPDATE settings SET value = '1' WHERE name = 'search_indexed'")
            .execute(c)
            .expect("mark");
    } else {
        let stored = shishi::db::search::stored_tokens(&mut conn, 1).expect("tokens");
        assert_eq!(stored, before, "the SQL before the migration");
    }
    let query = shishi::domain::search::Query::parse("13812345678").expect("query");
    let tier = shishi::domain::search::Tier::Key;
    let find = |conn: &mut shishi::db::AnyConnection| {
        shishi::db::search::candidates(
            conn,
            &query.tokens(tier),
            None,
            shishi::db::search::Direction::Older,
            10,
        )
        .expect("candidates")
    };
    assert!(
        find(&mut conn).is_empty(),
        "not found by its four-digit grams before"
    );
    drop(conn);
    shishi::db::migrate(&backend).expect("migrate again");
    let mut conn = shishi::db::open(&url).expect("open");
    assert_eq!(find(&mut conn), vec![1], "{}", backend_name());
    if matches!(conn, shishi::db::AnyConnection::Postgresql(_)) {
        let stored = shishi::db::search::stored_tokens(&mut conn, 1).expect("tokens");
        assert_eq!(stored, document);
    }
}

/// SQLite's index is filed a slice at a time, each slice a segment of its
/// own; with FTS5's lumpy automatic merging off (`search_merge`), each
/// filing merges a little, and the segments stay few: no level holds more
/// than FTS5's own four. Without the merges, segments pile up to sixteen on
/// a level before FTS5 merges them in one lump.
#[test]
fn filing_in_slices_keeps_the_index_in_few_segments() {
    let (url, _dir) = fresh_database();
    if url.starts_with("postgres") {
        return; // PostgreSQL files every matter as it is stored.
    }
    shishi::db::migrate(&shishi::db::Backend::from_url(&url)).expect("migrate");
    let mut conn = shishi::db::open(&url).expect("open");
    for slice in 0..120_i64 {
        for i in 0..25_i64 {
            let id = slice * 25 + i + 1;
            diesel::sql_query(format!(
                "INSERT INTO matters (id, code, channel, source, state, category_id, title, \
                 description, address, citizen_phone, version, created_at, updated_at) VALUES \
                 ({id}, 'NH-{id:04}-TEST', 'online', 'web', 'submitted', \
                 (SELECT min(id) FROM categories), '路灯不亮第{id}号', '西街{id}号路灯整晚不亮', \
                 '西街{id}号', '1381234{id:04}', 1, '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
            ))
            .execute(&mut conn)
            .expect("insert");
        }
        assert_eq!(
            shishi::db::search::catch_up(&mut conn, 250).expect("filed"),
            25
        );
    }
    #[derive(QueryableByName)]
    struct Block {
        #[diesel(sql_type = diesel::sql_types::Binary)]
        block: Vec<u8>,
    }
    // FTS5's structure record (rowid 10 of its data table): a cookie, a
    // version marker, then varints: levels, segments, writes, and per level
    // the segments being merged, the segments, and each segment's numbers.
    let Block { block } = diesel::sql_query("SELECT block FROM matter_search_data WHERE id = 10")
        .get_result(&mut conn)
        .expect("structure");
    let mut at = if block[4..8] == [0xff, 0, 0, 1] { 8 } else { 4 };
    let v2 = at == 8;
    let mut varint = || {
        let mut value: u64 = 0;
        for k in 0..9 {
            let byte = block[at];
            at += 1;
            if k == 8 {
                return (value << 8) | u64::from(byte);
            }
            value = (value << 7) | u64::from(byte & 0x7f);
            if byte < 0x80 {
                break;
            }
        }
        value
    };
    let (levels, segments, _writes) = (varint(), varint(), varint());
    let mut per_level = Vec::new();
    for _ in 0..levels {
        let (_merging, count) = (varint(), varint());
        for _ in 0..count {
            let fields = if v2 { 8 } else { 3 };
            for _ in 0..fields {
                varint();
            }
        }
        per_level.push(count);
    }
    assert_eq!(per_level.iter().sum::<u64>(), segments);
    assert!(
        per_level.iter().all(|&n| n <= 4) && segments <= 12,
        "segments per level: {per_level:?}"
    );
    // And what was filed is found.
    let query = shishi::domain::search::Query::parse("13812343000").expect("query");
    let found = shishi::db::search::candidates(
        &mut conn,
        &query.tokens(shishi::domain::search::Tier::Key),
        None,
        shishi::db::search::Direction::Older,
        10,
    )
    .expect("candidates");
    assert_eq!(found, vec![3000]);
}

#[tokio::test]
async fn a_likely_duplicate_is_on_the_matter_page_with_a_one_click_merge() {
    let app = spawn_app().await;
    // Two citizens report the same street light; a third, in the same
    // place, something else; a fourth the same light in another place.
    let first = app.submit_valid().await;
    let second = app.submit_valid().await;
    let other = app
        .submit(&with(
            &app.valid_request().await,
            "title",
            "夏北三巷井盖破损",
        ))
        .await;
    let other = code_in(&other);
    let elsewhere_form = app.valid_request().await;
    let html = app.get_text("/submit").await;
    let elsewhere = app
        .submit(&with(
            &elsewhere_form,
            "place",
            &option_value(&html, "叠滘社区"),
        ))
        .await;
    let elsewhere = code_in(&elsewhere);
    let staff = app.dispatcher().await;
    let second_id = app.matter_id(&second);

    let page = staff.get_text(&format!("/staff/matters/{second_id}")).await;
    assert!(page.contains("可能重复的诉求"), "the panel is shown");
    let panel = &page[page.find("可能重复的诉求").expect("panel")..];
    let panel = &panel[..panel.find("</section>").expect("end")];
    assert!(panel.contains(&first), "the same request in the same place");
    assert!(panel.contains("相似度 100%"));
    assert!(!panel.contains(&other), "another request in the same place");
    assert!(!panel.contains(&elsewhere), "the same words elsewhere");

    // One click: this matter follows the first.
    let res = staff
        .client
        .post(staff.url(&format!("/staff/matters/{second_id}/merge")))
        .form(&[
            ("csrf_token", csrf_of(&page).as_str()),
            ("version", version_of(&page).as_str()),
            ("primary", first.as_str()),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 303);
    assert_eq!(app.matter_state(second_id), "merged");
    assert_eq!(
        app.matter_field(second_id, "merged_into"),
        Some(app.matter_id(&first).to_string())
    );
    // A merged matter is no longer offered as a duplicate.
    let first_page = staff
        .get_text(&format!("/staff/matters/{}", app.matter_id(&first)))
        .await;
    assert!(!first_page.contains(&second));
}

/// On PostgreSQL a search that runs out of time is given up: its
/// connection goes back to the pool, and the staff member is told to
/// narrow it. Held up here by a lock on the matters, as a search by a
/// common word over many millions would be by reading.
#[actix_web::test]
async fn a_search_that_runs_out_of_time_is_given_up_and_says_so() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app_with(|s| s.search_timeout_ms = 300).await;
    app.many_matters(3, |i| format!("三巷路灯不亮第{i}件"));
    let dispatcher = app.dispatcher().await;
    let path = "/staff/matters?state=&q=%E8%B7%AF%E7%81%AF";
    let found = dispatcher.get_text(path).await;
    assert!(found.contains("共 3 件"), "found first");
    assert!(!found.contains("用时太长"));
    if backend_name() != "postgresql" {
        return;
    }
    let mut holder = app.conn();
    holder
        .batch_execute("BEGIN; LOCK TABLE matters IN ACCESS EXCLUSIVE MODE;")
        .expect("lock");
    let started = std::time::Instant::now();
    let res = dispatcher.get(path).await;
    let waited = started.elapsed();
    assert_eq!(res.status(), 503, "not served, and said so");
    let page = res.text().await.expect("body");
    assert!(page.contains("这次搜索用时太长"), "{page}");
    assert!(!page.contains("三巷路灯不亮"), "nothing listed");
    assert!(waited < std::time::Duration::from_secs(5), "{waited:?}");
    // The pool is whole: with the lock gone the same search answers.
    holder.batch_execute("ROLLBACK").expect("unlock");
    assert!(dispatcher.get_text(path).await.contains("共 3 件"));
}

/// Many matches: more than one reading of the index takes at once, so the
/// first page is read tier by tier; few (of letters and digits): all at
/// once and ranked in place. Each gives the titles first, newest first,
/// then the rest.
#[tokio::test]
async fn a_first_page_ranks_alike_from_one_reading_or_tier_by_tier() {
    let app = spawn_app().await;
    let staff = app.dispatcher().await;
    for (n, word) in [
        (150usize, "xiabei"),
        (12, "shuzhi"),
        (150, "井盖"),
        (12, "树枝"),
    ] {
        // Every third with the word in its title, the others in the text.
        let ids = app.store_online(
            10,
            (0..n).map(|i| Texts {
                title: if i % 3 == 0 {
                    format!("第{i}号{word}问题")
                } else {
                    format!("第{i}号问题")
                },
                description: if i % 3 == 0 {
                    "详情见标题。".into()
                } else {
                    format!("路边有{word}的问题。")
                },
                address: String::new(),
                phone: None,
            }),
        );
        let newest_first = |keep: fn(usize) -> bool| -> Vec<i64> {
            (0..n).rev().filter(|i| keep(*i)).map(|i| ids[i]).collect()
        };
        let mut expected = [newest_first(|i| i % 3 == 0), newest_first(|i| i % 3 != 0)].concat();
        expected.truncate(100);
        assert_eq!(search(&staff, word).await, expected, "{word}: {n} matters");
    }
}

/// However PostgreSQL's reading goes on after its first window (walking
/// on, bucket by bucket, or the index's list of a rare word), a word's
/// matches come whole and in order, from any point and either way: tried
/// with windows, walks and buckets few enough that each path is taken,
/// over words in one matter in two, one in seventeen, three matters, and
/// none, in four groups of matters far apart (buckets 0, 3, 4 and 40 on
/// from the first).
#[tokio::test]
async fn a_word_is_read_whole_however_its_matches_are_spread() {
    use shishi::db::search::{BUCKET_BITS, Direction, Reading, candidates_with};
    use shishi::domain::search::{Query, Tier};
    let app = spawn_app().await;
    let n = 240usize;
    let group = 60usize;
    type Spread = fn(usize) -> bool;
    let words: [(&str, Spread); 4] = [
        ("蜂巢", |i| i % 2 == 0),
        ("鸽笼", |i| i % 17 == 5),
        ("锅炉", |i| [3, 120, 231].contains(&i)),
        ("火箭", |_| false),
    ];
    let text = |i: usize| {
        let said: Vec<&str> = words
            .iter()
            .filter(|(_, has)| has(i))
            .map(|(w, _)| *w)
            .collect();
        Texts {
            title: format!("第{i}号问题"),
            description: format!("这里有{}。", said.join("和")),
            address: String::new(),
            phone: None,
        }
    };
    let base = shishi::db::bulk::next_matter_id(&mut app.conn()).expect("next id");
    let mut ids = Vec::new();
    for (g, bucket) in [0i64, 3, 4, 40].into_iter().enumerate() {
        let first = base + (bucket << BUCKET_BITS) + 100 * g as i64;
        ids.extend(app.store_online_at(first, 5, (g * group..(g + 1) * group).map(text)));
    }
    assert_eq!(ids.len(), n);
    let mut conn = app.conn();
    // SQLite: all filed (until then new matters are each a candidate).
    shishi::db::search::catch_up(&mut conn, 10_000).expect("filed");
    let readings = [
        Reading::PLANNED,
        Reading {
            window: 3,
            walk_max: 0,
            buckets: 0,
        },
        Reading {
            window: 4,
            walk_max: 1_000,
            buckets: 0,
        },
        Reading {
            window: 4,
            walk_max: 5,
            buckets: 1,
        },
        Reading {
            window: 20,
            walk_max: 60,
            buckets: 3,
        },
        Reading {
            window: 0,
            walk_max: 0,
            buckets: 64,
        },
    ];
    for (word, has) in words {
        let tokens = Query::parse(word).expect("a word").tokens(Tier::Text);
        let matching: Vec<i64> = (0..n).filter(|i| has(*i)).map(|i| ids[i]).collect();
        for reading in readings {
            for (from, direction) in [
                (None, Direction::Older),
                (Some(ids[150]), Direction::Older),
                (None, Direction::Newer),
                (Some(ids[40]), Direction::Newer),
            ] {
                for limit in [1, 7, 30, 200] {
                    let mut expected: Vec<i64> = matching
                        .iter()
                        .copied()
                        .filter(|id| match (from, direction) {
                            (Some(f), Direction::Older) => *id < f,
                            (Some(f), Direction::Newer) => *id > f,
                            (None, _) => true,
                        })
                        .collect();
                    if direction == Direction::Older {
                        expected.reverse();
                    }
                    expected.truncate(limit);
                    let found =
                        candidates_with(&mut conn, &tokens, from, direction, limit as i64, reading)
                            .expect("read");
                    assert_eq!(
                        found, expected,
                        "{word} from {from:?} {direction:?}, {limit}, {reading:?}"
                    );
                }
            }
        }
    }
}

/// PostgreSQL's index files a matter under the bucket Shishi's reading
/// names for it (`shishi_bucket` in SQL, `bucket_token` in Rust): were
/// they to differ, a run of buckets would find nothing and every search
/// under a burst would read a word's whole list again.
#[tokio::test]
async fn postgresql_files_a_matter_under_the_bucket_shishi_reads() {
    use diesel::sql_types::{BigInt, Text};
    use shishi::db::AnyConnection;
    use shishi::db::search::bucket_token;
    #[derive(QueryableByName)]
    struct Filed {
        #[diesel(sql_type = Text)]
        token: String,
    }
    if backend_name() != "postgresql" {
        return;
    }
    let app = spawn_app().await;
    let mut conn = app.conn();
    let AnyConnection::Postgresql(c) = &mut conn else {
        panic!("a PostgreSQL connection");
    };
    for id in [1, 4_095, 4_096, 4_097, 1_027_740, 10_000_000_000] {
        let filed: Filed = diesel::sql_query(
            "SELECT array_to_string(tsvector_to_array(shishi_bucket($1)), ' ') AS token",
        )
        .bind::<BigInt, _>(id)
        .get_result(c)
        .expect("bucket");
        assert_eq!(filed.token, bucket_token(id), "matter {id}");
    }
    assert_ne!(bucket_token(4_095), bucket_token(4_096));
}
