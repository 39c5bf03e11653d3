//! One set of field rules: the same value typed into the citizen's form,
//! the staff intake form, a planning form and an Open311 POST gets the same
//! verdict from each, and a refused one stores nothing.

use crate::helpers::{Staff, TestApp, browser, csrf_of, option_value, spawn_app, with};

/// How an entrance answered.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Verdict {
    Taken,
    Refused,
}

/// A field and the value typed into it.
type Case = (&'static str, String);

struct Entrances {
    citizen: reqwest::Client,
    dispatcher: Staff,
    key: String,
}

const TITLE: &str = "夏北三巷路灯不亮";
const DESCRIPTION: &str = "夏北社区三巷的路灯已经坏了一个星期，晚上很黑。";
const ADDRESS: &str = "夏北三巷12号";

fn verdict(status: u16, taken: u16, refused: u16, entrance: &str, case: &Case) -> Verdict {
    match status {
        s if s == taken => Verdict::Taken,
        s if s == refused => Verdict::Refused,
        other => panic!("{entrance} answered {other} to {case:?}"),
    }
}

impl Entrances {
    async fn citizen(&self, app: &TestApp, case: &Case) -> Option<Verdict> {
        let html = self
            .citizen
            .get(app.url("/submit"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        let form = vec![
            ("csrf_token".to_owned(), csrf_of(&html)),
            ("category".into(), option_value(&html, "市政设施")),
            ("title".into(), TITLE.into()),
            ("description".into(), DESCRIPTION.into()),
            ("place".into(), option_value(&html, "夏北社区")),
            ("address".into(), ADDRESS.into()),
            ("name".into(), "陈美玲".into()),
            ("phone".into(), "13812345678".into()),
            ("consent".into(), "yes".into()),
        ];
        if !form.iter().any(|(k, _)| k == case.0) {
            return None;
        }
        let res = self
            .citizen
            .post(app.url("/submit"))
            .form(&with(&form, case.0, &case.1))
            .send()
            .await
            .ok()?;
        Some(verdict(
            res.status().as_u16(),
            303,
            422,
            "the citizen's form",
            case,
        ))
    }

    async fn intake(&self, case: &Case) -> Option<Verdict> {
        let html = self.dispatcher.get_text("/staff/intake").await;
        let form = vec![
            ("csrf_token".to_owned(), csrf_of(&html)),
            ("source".into(), "phone".into()),
            ("category".into(), option_value(&html, "市政设施")),
            ("title".into(), TITLE.into()),
            ("description".into(), DESCRIPTION.into()),
            ("place".into(), option_value(&html, "夏北社区")),
            ("address".into(), ADDRESS.into()),
            ("name".into(), "陈美玲".into()),
            ("phone".into(), "13812345678".into()),
            ("consent".into(), "yes".into()),
        ];
        if !form.iter().any(|(k, _)| k == case.0) {
            return None;
        }
        let res = self
            .dispatcher
            .client
            .post(self.dispatcher.url("/staff/intake"))
            .form(&with(&form, case.0, &case.1))
            .send()
            .await
            .ok()?;
        Some(verdict(
            res.status().as_u16(),
            303,
            422,
            "staff intake",
            case,
        ))
    }

    async fn planning(&self, case: &Case) -> Option<Verdict> {
        let html = self.dispatcher.get_text("/staff/plan/micro").await;
        let form = vec![
            ("csrf_token".to_owned(), csrf_of(&html)),
            ("title".into(), TITLE.into()),
            ("description".into(), DESCRIPTION.into()),
            ("category".into(), option_value(&html, "市政设施")),
            ("unit".into(), option_value(&html, "夏北社区")),
            ("address".into(), ADDRESS.into()),
            ("amount".into(), "3000".into()),
        ];
        if !form.iter().any(|(k, _)| k == case.0) {
            return None;
        }
        let res = self
            .dispatcher
            .client
            .post(self.dispatcher.url("/staff/plan/micro"))
            .form(&with(&form, case.0, &case.1))
            .send()
            .await
            .ok()?;
        Some(verdict(
            res.status().as_u16(),
            303,
            422,
            "the micro-matter form",
            case,
        ))
    }

    async fn open311(&self, app: &TestApp, case: &Case) -> Option<Verdict> {
        // Open311's names for the same fields; it has no title of its own.
        let field = match case.0 {
            "description" => "description",
            "address" => "address_string",
            "name" => "last_name",
            "phone" => "phone",
            _ => return None,
        };
        let form = vec![
            ("api_key".to_owned(), self.key.clone()),
            ("service_code".into(), "municipal".into()),
            ("description".into(), DESCRIPTION.into()),
            ("address_string".into(), ADDRESS.into()),
            ("last_name".into(), "陈美玲".into()),
            ("phone".into(), "13812345678".into()),
        ];
        let res = browser()
            .post(app.url("/open311/v2/requests.json"))
            .form(&with(&form, field, &case.1))
            .send()
            .await
            .ok()?;
        Some(verdict(res.status().as_u16(), 200, 400, "Open311", case))
    }
}

fn cases() -> Vec<(Case, Verdict)> {
    use Verdict::*;
    let c = |field: &'static str, value: String, v| ((field, value), v);
    vec![
        c("title", "灯".into(), Refused),
        c("title", "路灯不亮".into(), Taken),
        c("title", "灯".repeat(61), Refused),
        c("title", "路灯\u{1}不亮".into(), Refused),
        c("description", "太短".into(), Refused),
        c("description", "井盖缺失，夜间危险".into(), Taken),
        c("description", "长".repeat(2001), Refused),
        c(
            "description",
            "第一行说明情况\n第二行补充细节".into(),
            Taken,
        ),
        c("description", "说明里有\u{0}控制字符".into(), Refused),
        c("address", "址".repeat(120), Taken),
        c("address", "址".repeat(121), Refused),
        c("address", "夏北\u{7}三巷".into(), Refused),
        c("name", "名".repeat(31), Refused),
        c("name", "名".repeat(30), Taken),
        c("phone", "12812345678".into(), Refused),
        c("phone", "1381234567".into(), Refused),
        c("phone", "+86 138-1234-5678".into(), Taken),
    ]
}

#[tokio::test]
async fn every_entrance_gives_the_same_verdict_on_the_same_field() {
    let app = spawn_app().await;
    let entrances = Entrances {
        citizen: browser(),
        dispatcher: app.dispatcher().await,
        key: app.api_key().await,
    };
    let mut asked = 0;
    for (case, expected) in cases() {
        let before = app.count("matters");
        let verdicts = [
            ("citizen", entrances.citizen(&app, &case).await),
            ("intake", entrances.intake(&case).await),
            ("planning", entrances.planning(&case).await),
            ("open311", entrances.open311(&app, &case).await),
        ];
        let given: Vec<_> = verdicts
            .iter()
            .filter_map(|(n, v)| v.map(|v| (*n, v)))
            .collect();
        assert!(given.len() >= 3, "{case:?} reached only {given:?}");
        for (entrance, verdict) in &given {
            assert_eq!(
                *verdict, expected,
                "{entrance} on {case:?} (all: {given:?})"
            );
        }
        let stored = app.count("matters") - before;
        let taken = given.iter().filter(|(_, v)| *v == Verdict::Taken).count() as i64;
        assert_eq!(
            stored, taken,
            "{case:?}: one matter per entrance that took it, none otherwise"
        );
        asked += given.len();
    }
    // 17 cases; title goes to three entrances, name and phone to three, the rest to four.
    assert_eq!(asked, 4 * 3 + 5 * 4 + 3 * 4 + 2 * 3 + 3 * 3);
}
