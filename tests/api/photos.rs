//! Photos: the citizen's with the request, staff's with a note or the
//! resolution; what is kept has no EXIF; bad uploads store nothing.

use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, Rgb, RgbImage};
use reqwest::multipart::{Form, Part};

use crate::helpers::*;

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 120]));
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("encode");
    out
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, _| Rgb([(x % 256) as u8, 10, 200]));
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .expect("encode");
    out
}

/// A phone's photo: EXIF with a GPS position (23°1'48"N) and the camera's
/// make, right after the JPEG's start marker.
fn jpeg_with_gps(w: u32, h: u32) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    let make_at: u32 = 8 + 2 + 2 * 12 + 4;
    let gps_at: u32 = make_at + 8;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x0F, 0x00, 0x02, 0, 0, 0, 8]);
    tiff.extend_from_slice(&make_at.to_be_bytes());
    tiff.extend_from_slice(&[0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1]);
    tiff.extend_from_slice(&gps_at.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(b"PHONEXY\0");
    let rationals_at: u32 = gps_at + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0x00, 0x02, 0x00, 0x05, 0, 0, 0, 3]);
    tiff.extend_from_slice(&rationals_at.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    for (n, d) in [(23u32, 1u32), (1, 1), (48, 1)] {
        tiff.extend_from_slice(&n.to_be_bytes());
        tiff.extend_from_slice(&d.to_be_bytes());
    }
    let plain = jpeg(w, h);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(
        &u16::try_from(2 + 6 + tiff.len())
            .expect("small")
            .to_be_bytes(),
    );
    out.extend_from_slice(b"Exif\x00\x00");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&plain[2..]);
    out
}

/// Files chosen in the picker: name and bytes.
type Files = Vec<(&'static str, Vec<u8>)>;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The form as a browser posts it with files chosen in the picker.
fn multipart(fields: &[(String, String)], files: &[(&str, Vec<u8>)]) -> Form {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    for (name, bytes) in files {
        let part = Part::bytes(bytes.clone())
            .file_name((*name).to_owned())
            .mime_str("image/jpeg")
            .expect("mime");
        form = form.part("photos", part);
    }
    form
}

async fn submit_with(
    app: &TestApp,
    fields: &[(String, String)],
    files: &[(&str, Vec<u8>)],
) -> reqwest::Response {
    app.client
        .post(app.url("/submit"))
        .multipart(multipart(fields, files))
        .send()
        .await
        .expect("POST /submit")
}

/// The photo tokens a page links to, in order.
fn tokens(html: &str) -> Vec<String> {
    html.match_indices("/photos/")
        .filter_map(|(at, _)| {
            let t: String = html[at + 8..].chars().take(32).collect();
            (t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit())).then_some(t)
        })
        .fold(Vec::new(), |mut seen, t| {
            if !seen.contains(&t) {
                seen.push(t);
            }
            seen
        })
}

#[tokio::test]
async fn a_photo_from_the_picker_is_kept_without_its_gps_and_shown_to_citizen_and_staff() {
    let app = spawn_app().await;
    let fields = app.valid_request().await;
    let original = jpeg_with_gps(3000, 1000);
    assert!(contains(&original, b"PHONEXY") && contains(&original, b"Exif\0\0"));
    let res = submit_with(
        &app,
        &fields,
        &[("street.jpg", original), ("more.png", png(50, 40))],
    )
    .await;
    assert_eq!(res.status(), 303, "on {}", backend_name());
    let code = code_in(&res);
    assert_eq!(app.count("photos"), 2);

    // The receipt and the status page show both, thumbnails opening the whole.
    for page in [format!("/track/{code}?new=1"), format!("/track/{code}")] {
        let html = app.get_text(&page).await;
        let found = tokens(&html);
        assert_eq!(found.len(), 2, "{page}");
        assert!(html.contains(&format!("/photos/{}/thumb", found[0])));
    }
    let html = app.get_text(&format!("/track/{code}")).await;
    let token = &tokens(&html)[0];

    let res = app.get(&format!("/photos/{token}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let kept = res.bytes().await.expect("bytes").to_vec();
    assert!(!contains(&kept, b"Exif"), "no EXIF");
    assert!(!contains(&kept, b"PHONEXY"), "no camera make");
    assert!(!contains(&kept, &[0xFF, 0xE1]), "no APP1 segment at all");
    let decoded = image::load_from_memory(&kept).expect("a JPEG");
    assert_eq!((decoded.width(), decoded.height()), (2048, 683));
    let thumb = app.get(&format!("/photos/{token}/thumb")).await;
    assert_eq!(thumb.status(), 200);
    let small = image::load_from_memory(&thumb.bytes().await.expect("thumb")).expect("JPEG");
    assert!(small.width() <= 360 && small.height() <= 360);

    // Staff see the citizen's photos on the matter page.
    let dispatcher = app.dispatcher().await;
    let id = app.matter_id(&code);
    let page = dispatcher.get_text(&format!("/staff/matters/{id}")).await;
    assert!(page.contains(&format!("/photos/{token}/thumb")));

    // Tokens that do not exist, or are not tokens, are 404.
    assert_eq!(
        app.get(&format!("/photos/{}", "0".repeat(32)))
            .await
            .status(),
        404
    );
    assert_eq!(app.get("/photos/..%2F..%2Fetc").await.status(), 404);
}

#[tokio::test]
async fn every_bad_upload_gets_a_message_beside_the_field_keeps_the_input_and_stores_nothing() {
    let app = spawn_app().await;
    let fields = app.valid_request().await;
    let mut truncated = jpeg(200, 200);
    truncated.truncate(truncated.len() / 2);
    let mut polyglot = png(20, 20);
    polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let mut zipped = jpeg(20, 20);
    zipped.extend_from_slice(b"PK\x03\x04evil.phpPK\x05\x06\x00\x00\x00\x00\x00\x00");
    let mut too_large = jpeg(20, 20);
    too_large.resize(10 * 1024 * 1024 + 1, 0);
    let cases: Vec<(&str, Files, &str)> = vec![
        (
            "not an image",
            vec![("notes.jpg", b"just some text, not a photo".to_vec())],
            "这不是可以识别的照片",
        ),
        ("truncated", vec![("cut.jpg", truncated)], "这张照片不完整"),
        ("png + html", vec![("p.png", polyglot)], "夹带了其他内容"),
        ("jpeg + zip", vec![("z.jpg", zipped)], "夹带了其他内容"),
        (
            "over 10 MB",
            vec![("big.jpg", too_large)],
            "每张不能超过 10 MB",
        ),
        (
            "four photos",
            (0..4).map(|_| ("a.jpg", jpeg(10, 10))).collect(),
            "最多上传 3 张照片",
        ),
    ];
    for (what, files, message) in cases {
        let res = submit_with(&app, &fields, &files).await;
        assert_eq!(res.status(), 422, "{what} on {}", backend_name());
        let html = res.text().await.expect("body");
        assert!(html.contains(message), "{what}: {message}");
        assert!(
            html.contains("id=\"photos-error\""),
            "{what}: beside the field"
        );
        assert!(
            html.contains("value=\"夏北三巷路灯不亮\""),
            "{what}: input kept"
        );
        assert_eq!(app.count("matters"), 0, "{what}");
        assert_eq!(app.count("photos"), 0, "{what}");
    }

    // A good photo with a bad field: nothing kept, and the form says to
    // choose the photo again.
    let bad_title = with(&fields, "title", "灯");
    let res = submit_with(&app, &bad_title, &[("ok.jpg", jpeg(30, 30))]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("照片未保存"));
    assert_eq!((app.count("matters"), app.count("photos")), (0, 0));

    // More than any form takes: 413, read no further.
    // (A browser of its own: the server closes the connection unread.)
    let huge: Vec<(&str, Vec<u8>)> = (0..4).map(|_| ("h.jpg", vec![0xFF; 9_000_000])).collect();
    let res = browser()
        .post(app.url("/submit"))
        .multipart(multipart(&fields, &huge))
        .send()
        .await
        .expect("POST /submit");
    assert_eq!(res.status(), 413);
    assert_eq!((app.count("matters"), app.count("photos")), (0, 0));

    // Without a file chosen, a browser still sends an empty part: fine.
    let mut form = multipart(&fields, &[]);
    form = form.part(
        "photos",
        Part::bytes(Vec::new())
            .file_name("")
            .mime_str("application/octet-stream")
            .expect("mime"),
    );
    let res = app
        .client
        .post(app.url("/submit"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 303);
    assert_eq!((app.count("matters"), app.count("photos")), (1, 0));
}

/// Posts an action with photos, as the matter page's form does.
async fn act_with_photos(
    staff: &Staff,
    id: i64,
    action: &str,
    fields: &[(&str, &str)],
    files: &[(&str, Vec<u8>)],
) -> reqwest::Response {
    let html = staff.get_text(&format!("/staff/matters/{id}")).await;
    let mut all = vec![
        ("csrf_token".to_owned(), csrf_of(&html)),
        ("version".to_owned(), version_of(&html)),
    ];
    all.extend(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    staff
        .client
        .post(staff.url(&format!("/staff/matters/{id}/{action}")))
        .multipart(multipart(&all, files))
        .send()
        .await
        .expect("POST action")
}

#[tokio::test]
async fn staff_show_the_finished_work_and_internal_photos_stay_with_staff() {
    let app = spawn_app().await;
    let code = app.submit_valid().await;
    let id = app.matter_id(&code);
    let dispatcher = app.dispatcher().await;
    let unit = app.staff("gc", "unit", Some("GC")).await;
    dispatcher.must(id, "accept", &[]).await;
    dispatcher
        .must(id, "dispatch", &[("unit", &app.unit_id("GC").to_string())])
        .await;
    unit.must(id, "sign", &[]).await;

    // An internal note with a photo: staff only.
    let res = act_with_photos(
        &unit,
        id,
        "note",
        &[("note", "现场查看，灯杆锈蚀")],
        &[("site.jpg", jpeg(64, 48))],
    )
    .await;
    assert_eq!(res.status(), 303, "on {}", backend_name());
    let page = unit.get_text(&format!("/staff/matters/{id}")).await;
    let internal = tokens(&page);
    assert_eq!(internal.len(), 1);
    let status = app.get_text(&format!("/track/{code}")).await;
    assert!(tokens(&status).is_empty(), "the citizen does not see it");
    assert_eq!(
        app.get(&format!("/photos/{}", internal[0])).await.status(),
        404
    );
    assert_eq!(
        unit.get(&format!("/photos/{}", internal[0])).await.status(),
        200
    );
    // Staff of another unit may not see it either.
    let other = app.staff("other", "unit", Some("JJ")).await;
    assert_eq!(
        other
            .get(&format!("/photos/{}", internal[0]))
            .await
            .status(),
        404
    );

    // A bad photo with the resolution: the step is not taken.
    let res = act_with_photos(
        &unit,
        id,
        "resolve",
        &[("note", "已修复")],
        &[("x.jpg", b"GIF89a".to_vec())],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("这不是可以识别的照片")
    );
    assert_eq!(app.matter_state(id), "in_progress");
    assert_eq!(app.count("photos"), 1);

    // The finished work, shown to the citizen with the reply.
    let res = act_with_photos(
        &unit,
        id,
        "resolve",
        &[("note", "已更换灯泡，恢复照明")],
        &[("done.jpg", jpeg(80, 60))],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.matter_state(id), "resolved");
    let status = app.get_text(&format!("/track/{code}")).await;
    let shown = tokens(&status);
    assert_eq!(shown.len(), 1);
    assert!(!shown.contains(&internal[0]));
    let res = app.get(&format!("/photos/{}", shown[0])).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .expect("cc")
            .starts_with("public")
    );
    // On the timeline, and again in the reply above the rating form.
    let reply = status.find("class=\"reply\"").expect("reply");
    let form = status.find("name=\"digits\"").expect("rating form");
    assert!(status[..reply].contains(&shown[0]));
    assert!(status[reply..form].contains(&shown[0]));
}

#[tokio::test]
async fn open311_takes_media_url_as_a_link_and_gives_photos_as_media_url() {
    let app = spawn_app().await;
    let key = app.api_key().await;
    let post = |fields: Vec<(&'static str, String)>| {
        let url = app.url("/open311/v2/requests.json");
        async move {
            browser()
                .post(url)
                .form(&fields)
                .send()
                .await
                .expect("POST")
        }
    };
    let base = |media: &str| {
        vec![
            ("api_key", key.clone()),
            ("service_code", "municipal".to_owned()),
            ("address_string", "桂城南海大道北 38 号".to_owned()),
            ("description", "人行道地砖松动，老人容易绊倒。".to_owned()),
            ("media_url", media.to_owned()),
        ]
    };
    for bad in [
        "javascript:alert(1)",
        "ftp://example.org/a.jpg",
        "https://",
        "https://a b.cn/x.jpg",
    ] {
        let res = post(base(bad)).await;
        assert_eq!(res.status(), 400, "{bad}");
        assert!(res.text().await.expect("body").contains("media_url"));
    }
    assert_eq!((app.count("matters"), app.count("photos")), (0, 0));

    let res = post(base("https://img.example.cn/2026/12/paving.jpg")).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value =
        serde_json::from_str(&res.text().await.expect("body")).expect("json");
    let code = body[0]["service_request_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let one: serde_json::Value = serde_json::from_str(
        &app.get_text(&format!("/open311/v2/requests/{code}.json"))
            .await,
    )
    .expect("json");
    assert_eq!(
        one[0]["media_url"],
        "https://img.example.cn/2026/12/paving.jpg"
    );
    // The status page links to it (it is not fetched from elsewhere).
    let status = app.get_text(&format!("/track/{code}")).await;
    assert!(status.contains("href=\"https://img.example.cn/2026/12/paving.jpg\""));
    assert!(!status.contains("src=\"https://img.example.cn"));

    // A photo uploaded through the form is an address on this server.
    let fields = app.valid_request().await;
    let res = submit_with(&app, &fields, &[("a.jpg", jpeg(20, 20))]).await;
    assert_eq!(res.status(), 303);
    let web_code = code_in(&res);
    let list: serde_json::Value =
        serde_json::from_str(&app.get_text("/open311/v2/requests.json").await).expect("json");
    let doc = list
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["service_request_id"] == web_code.as_str())
        .expect("listed");
    let media = doc["media_url"].as_str().expect("media_url");
    assert!(media.starts_with(&app.address), "{media}");
    let res = app.client.get(media).send().await.expect("GET");
    assert_eq!(res.status(), 200);
}
