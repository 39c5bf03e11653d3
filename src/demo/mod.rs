//! `shishi demo`: a demo district with a year of history that reproduces
//! the district's own figures (55 leader projects, 53 accepted; 153
//! department and town matters, all accepted; 926 micro-matters, all closed
//! within a ¥150,000,000 fund; 42 volunteer teams with 110 menu items;
//! 2,210 online and radio requests, all closed), plus open, overdue and
//! unrated matters so that every page has something to show.
//!
//! Every history item goes through the same steps as real use (the matter
//! page's `plan` and the permission check), with simulated times, inside one
//! transaction: a failure leaves the database empty.

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::app::accounts::hash_password;
use crate::app::plan::{self, Checked};
use crate::app::requests::{self, NewRequest, Origin};
use crate::app::steps::{self, MilestoneInput, StepInput, Typed};
use crate::app::volunteers::ClaimKind;
use crate::app::{self, Staff};
use crate::db::catalog::{self, Category, Unit};
use crate::db::matters;
use crate::db::schema::{matters as matters_t, users as users_t};
use crate::db::{self, AnyConnection, DbError, users, volunteers};
use crate::domain::access::{Action, Plan};
use crate::domain::{Rating, Role, Source, Transition, UnitKind};

/// The seed's figures.
pub const LEADER_PROJECTS: usize = 55;
pub const LEADER_ACCEPTED: usize = 53;
pub const DEPARTMENT_MATTERS: usize = 153;
pub const MICRO_MATTERS: usize = 926;
pub const TEAMS: usize = 42;
pub const MENU_ITEMS: usize = 110;
pub const ONLINE_CLOSED: usize = 2210;
/// ¥150,000,000 in fen.
pub const FUND_FEN: i64 = 15_000_000_000;

/// What was loaded, and the accounts to log in with.
pub struct Report {
    pub matters: i64,
    pub events: i64,
    pub seconds: f64,
    /// Role, login names, password.
    pub accounts: Vec<(Role, Vec<String>, String)>,
}

/// Why the demo could not be loaded (nothing of it is kept).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DemoError(pub String);

impl From<diesel::result::Error> for DemoError {
    fn from(e: diesel::result::Error) -> Self {
        DemoError(e.to_string())
    }
}

impl From<DbError> for DemoError {
    fn from(e: DbError) -> Self {
        DemoError(e.to_string())
    }
}

/// A step that had to work did not.
fn must<T>(taken: app::Result<T>, what: &str) -> Result<(), DemoError> {
    match taken {
        Ok(_) => Ok(()),
        Err(e) => Err(DemoError(format!("demo step {what} was refused: {e}"))),
    }
}

struct World {
    rng: StdRng,
    units: Vec<Unit>,
    categories: Vec<Category>,
    admin: Staff,
    dispatcher: Staff,
    leaders: Vec<Staff>,
    /// Unit staff by unit id.
    unit_staff: Vec<(i64, Staff)>,
    volunteers: Vec<(Staff, i64)>,
    prefix: String,
    now: DateTime<Utc>,
}

impl World {
    fn staff_of(&self, unit_id: i64) -> Result<&Staff, DemoError> {
        self.unit_staff
            .iter()
            .find(|(u, _)| *u == unit_id)
            .map(|(_, s)| s)
            .ok_or_else(|| DemoError(format!("no staff for unit {unit_id}")))
    }

    fn unit(&self, code: &str) -> Result<&Unit, DemoError> {
        self.units
            .iter()
            .find(|u| u.code == code)
            .ok_or_else(|| DemoError(format!("no unit {code}")))
    }

    fn units_of(&self, kind: UnitKind) -> Vec<Unit> {
        self.units
            .iter()
            .filter(|u| u.kind == kind)
            .cloned()
            .collect()
    }

    fn category(&self, code: &str) -> Result<Category, DemoError> {
        self.categories
            .iter()
            .find(|c| c.code == code)
            .cloned()
            .ok_or_else(|| DemoError(format!("no category {code}")))
    }

    /// Takes a step as `who` would through the matter's page: the same
    /// permission check, the same rules, one transaction.
    fn take(
        &self,
        c: &mut AnyConnection,
        id: i64,
        who: &Staff,
        action: Action,
        input: StepInput,
        at: DateTime<Utc>,
    ) -> Result<(), DemoError> {
        must(
            steps::take(c, who, id, None, action, &input, at),
            action.code(),
        )
    }

    fn t(
        &self,
        c: &mut AnyConnection,
        id: i64,
        who: &Staff,
        t: Transition,
        at: DateTime<Utc>,
    ) -> Result<(), DemoError> {
        self.take(c, id, who, Action::Take(t), StepInput::default(), at)
    }

    /// 派单 to `unit`.
    fn dispatch(
        &self,
        c: &mut AnyConnection,
        id: i64,
        who: &Staff,
        unit: &Unit,
        at: DateTime<Utc>,
    ) -> Result<(), DemoError> {
        let to = StepInput {
            unit: Some(unit.id),
            ..StepInput::default()
        };
        self.take(c, id, who, Action::Take(Transition::Dispatch), to, at)
    }

    fn note(text: &str) -> StepInput {
        StepInput {
            note: text.to_owned(),
            ..StepInput::default()
        }
    }

    /// A moment `days` (and a random part of a day) before now.
    fn ago(&mut self, days: i64) -> DateTime<Utc> {
        self.now - Duration::days(days) - Duration::minutes(self.rng.random_range(0..600))
    }
}

/// Loads the demo into the database at `url`, which must hold no matters
/// and no users.
pub fn load(url: &str, prefix: &str) -> Result<Report, DemoError> {
    let started = Instant::now();
    db::migrate(&db::Backend::from_url(url))?;
    let mut conn = db::open(url)?;
    let matters_now: i64 = matters_t::table.count().get_result(&mut conn)?;
    let users_now: i64 = users_t::table.count().get_result(&mut conn)?;
    if matters_now > 0 || users_now > 0 {
        return Err(DemoError(format!(
            "the database is not empty ({matters_now} matters, {users_now} users): the demo loads only into an empty database"
        )));
    }
    let accounts = conn.transaction::<_, DemoError, _>(|c| build(c, prefix))?;
    while crate::db::search::catch_up(&mut conn, 250_000)? > 0 {}
    let matters: i64 = matters_t::table.count().get_result(&mut conn)?;
    let events: i64 = crate::db::schema::events::table
        .count()
        .get_result(&mut conn)?;
    Ok(Report {
        matters,
        events,
        seconds: started.elapsed().as_secs_f64(),
        accounts,
    })
}

fn password(rng: &mut StdRng) -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..12)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

const SURNAMES: &[&str] = &[
    "陈", "李", "黄", "张", "梁", "何", "林", "吴", "罗", "邓", "冯", "潘", "谭", "区", "麦", "关",
];
const GIVEN: &[&str] = &[
    "志强", "美玲", "家豪", "嘉欣", "伟明", "丽华", "国强", "秀英", "俊杰", "慧敏", "建华", "淑芬",
    "子轩", "雅婷", "德明", "少芳",
];

fn person(rng: &mut StdRng) -> String {
    format!(
        "{}{}",
        SURNAMES[rng.random_range(0..SURNAMES.len())],
        GIVEN[rng.random_range(0..GIVEN.len())]
    )
}

/// The demo's accounts: one password per role, hashed once (Argon2id is
/// slow on purpose, and the demo has a hundred accounts).
struct Hiring {
    units: Vec<Unit>,
    /// Role, hash, password.
    passwords: Vec<(Role, String, String)>,
    at: DateTime<Utc>,
}

impl Hiring {
    fn new(rng: &mut StdRng, units: &[Unit], at: DateTime<Utc>) -> Result<Hiring, DemoError> {
        let mut passwords = Vec::new();
        for role in Role::ALL {
            let pw = password(rng);
            let hash = hash_password(&pw).map_err(|e| DemoError(e.to_string()))?;
            passwords.push((role, hash, pw));
        }
        Ok(Hiring {
            units: units.to_vec(),
            passwords,
            at,
        })
    }

    /// Adds an account and gives the staff member it stands for.
    fn hire(
        &self,
        c: &mut AnyConnection,
        username: &str,
        display: &str,
        role: Role,
        unit: Option<&Unit>,
    ) -> Result<Staff, DemoError> {
        let hash = self
            .passwords
            .iter()
            .find(|(r, _, _)| *r == role)
            .map(|(_, h, _)| h.as_str())
            .unwrap_or_default();
        let id = users::insert(
            c,
            &users::NewUser {
                username,
                display_name: display,
                role,
                unit_id: unit.map(|u| u.id),
                password_hash: hash,
                active: true,
                session_version: 1,
                created_at: self.at.naive_utc(),
            },
        )?;
        let user = users::by_id(c, id)?
            .ok_or_else(|| DemoError(format!("account {username} vanished")))?;
        Ok(Staff::of(user, &self.units))
    }
}

fn build(
    c: &mut AnyConnection,
    prefix: &str,
) -> Result<Vec<(Role, Vec<String>, String)>, DemoError> {
    let mut rng = StdRng::seed_from_u64(20_210_701);
    let now = Utc::now();
    let units = catalog::all_units(c)?;
    let start = now - Duration::days(400);
    let hiring = Hiring::new(&mut rng, &units, start)?;
    let admin = hiring.hire(c, "admin", "系统管理员", Role::Admin, None)?;
    let dispatcher = hiring.hire(c, "dispatcher", "受理中心·何敏", Role::Dispatcher, None)?;
    hiring.hire(c, "dispatcher2", "受理中心·梁杰", Role::Dispatcher, None)?;
    let mut leaders = Vec::new();
    for i in 0..12 {
        let name = format!("{}（区领导）", person(&mut rng));
        leaders.push(hiring.hire(c, &format!("leader{:02}", i + 1), &name, Role::Leader, None)?);
    }
    let mut unit_staff = Vec::new();
    for u in units.iter().filter(|u| u.kind != UnitKind::District) {
        let name = format!("{}·{}", u.name, person(&mut rng));
        let login = format!("unit-{}", u.code.to_lowercase());
        unit_staff.push((
            u.id,
            hiring.hire(c, &login, &name, Role::UnitStaff, Some(u))?,
        ));
    }
    let mut w = World {
        rng,
        units,
        categories: catalog::all_categories(c)?,
        admin,
        dispatcher,
        leaders,
        unit_staff,
        volunteers: Vec::new(),
        prefix: prefix.to_owned(),
        now,
    };
    app::fund::allocate(c, &w.admin, FUND_FEN, "区委专项经费：微实事滚动资金", start)
        .map_err(|e| DemoError(format!("the fund's money was refused: {e}")))?;
    volunteer_teams(c, &mut w, &hiring)?;
    leader_projects(c, &mut w)?;
    department_matters(c, &mut w)?;
    micro_matters(c, &mut w)?;
    volunteer_services(c, &mut w)?;
    online_requests(c, &mut w)?;
    Ok(hiring
        .passwords
        .iter()
        .map(|(role, _, pw)| {
            let names: Vec<String> = match role {
                Role::Admin => vec!["admin".into()],
                Role::Dispatcher => vec!["dispatcher".into(), "dispatcher2".into()],
                Role::Leader => vec!["leader01 … leader12".into()],
                Role::UnitStaff => {
                    vec!["unit-gc, unit-jj, unit-zj, unit-gc-xb … (unit-<unit code>)".into()]
                }
                Role::Volunteer => vec![format!("vol001 … vol{:03}", w.volunteers.len())],
            };
            (*role, names, pw.clone())
        })
        .collect())
}

const SPECIALTIES: [(&str, [&str; 3]); 14] = [
    ("法律服务", ["免费法律咨询", "合同审查指导", "邻里纠纷调解"]),
    ("医疗义诊", ["上门量血压", "慢病用药指导", "健康讲座"]),
    ("政策宣讲", ["惠民政策解读", "社保办理指引", "反诈宣传"]),
    ("助老服务", ["独居老人探访", "代购代办", "智能手机教学"]),
    (
        "心理疏导",
        ["青少年心理辅导", "家庭关系咨询", "情绪减压课堂"],
    ),
    ("就业指导", ["简历诊断", "技能培训对接", "招聘信息推送"]),
    ("环境整治", ["楼道清理", "垃圾分类指导", "河涌巡查"]),
    (
        "消防安全",
        ["消防隐患排查", "灭火器使用培训", "电动车充电安全"],
    ),
    ("文化活动", ["粤曲学唱", "书法培训", "社区读书会"]),
    ("科技助农", ["农技指导", "电商直播培训", "病虫害防治"]),
    ("教育辅导", ["课后作业辅导", "家庭教育讲座", "暑期托管"]),
    ("住房维修", ["水电小修", "门窗维修", "防水补漏"]),
    ("交通安全", ["上学路护学岗", "交通安全课", "共享单车整理"]),
    ("市场维权", ["消费维权咨询", "食品安全宣传", "计量器具检测"]),
];

fn volunteer_teams(c: &mut AnyConnection, w: &mut World, hiring: &Hiring) -> Result<(), DemoError> {
    let departments = w.units_of(UnitKind::Department);
    let communities = w.units_of(UnitKind::Community);
    let at = w.now - Duration::days(380);
    let admin = w.admin.clone();
    let refused = |e: app::Error| DemoError(format!("a volunteer step was refused: {e}"));
    let mut item_count = 0;
    for i in 0..TEAMS {
        let (specialty, items) = SPECIALTIES[i % SPECIALTIES.len()];
        let unit = &departments[i % departments.len()];
        let name = format!(
            "{}{}党员志愿服务{}队",
            unit.name.trim_start_matches('区'),
            specialty,
            i / SPECIALTIES.len() + 1
        );
        let team = app::volunteers::add_team(c, &admin, &name, specialty, Some(unit.id), at)
            .map_err(refused)?;
        // 110 items over 42 teams: the first 26 teams offer three, the rest two.
        let n = if i < MENU_ITEMS - 2 * TEAMS { 3 } else { 2 };
        for item in items.iter().take(n) {
            let description = format!("由{name}提供的{item}服务");
            app::volunteers::add_menu_item(c, &admin, Some(team), item, &description)
                .map_err(refused)?;
            item_count += 1;
        }
        for _ in 0..2 {
            let no = w.volunteers.len() + 1;
            let display = person(&mut w.rng);
            let v = hiring.hire(c, &format!("vol{no:03}"), &display, Role::Volunteer, None)?;
            let community = &communities[no % communities.len()];
            let reported = at + Duration::days(3);
            app::volunteers::report(
                c,
                &v,
                Some(team),
                Some(unit.id),
                Some(community.id),
                reported,
            )
            .map_err(refused)?;
            let claimed = at + Duration::days(4);
            let post = format!("{}志愿服务岗", community.name);
            app::volunteers::claim(
                c,
                &v,
                Some(ClaimKind::Post),
                &post,
                Some(community.id),
                claimed,
            )
            .map_err(refused)?;
            let family = format!("{}困难家庭", person(&mut w.rng));
            app::volunteers::claim(
                c,
                &v,
                Some(ClaimKind::Recipient),
                &family,
                Some(community.id),
                claimed,
            )
            .map_err(refused)?;
            w.volunteers.push((v, team));
        }
    }
    debug_assert_eq!(item_count, MENU_ITEMS);
    Ok(())
}

/// Creates a planned matter as `who` would through the planning form.
#[allow(clippy::too_many_arguments)]
fn start(
    c: &mut AnyConnection,
    w: &World,
    kind: Plan,
    who: &Staff,
    title: String,
    description: String,
    category: Category,
    unit: Unit,
    amount: Option<i64>,
    menu_item: Option<volunteers::MenuItem>,
    at: DateTime<Utc>,
) -> Result<i64, DemoError> {
    let checked = Checked {
        title,
        description,
        category,
        unit,
        address: String::new(),
        amount,
        menu_item,
    };
    plan::start(c, &w.prefix, kind, &checked, who, at)
        .map_err(|e| DemoError(format!("planning was refused: {e}")))
}

const THEMES: [(&str, &str, &str); 11] = [
    ("河涌污水整治", "water", "ZJ"),
    ("老旧小区改造", "housing", "ZJ"),
    ("农贸市场升级改造", "market", "SJ"),
    ("智慧图书馆建设", "education", "JY"),
    ("交通拥堵点整治", "traffic", "JT"),
    ("营商环境优化", "other", "SJ"),
    ("人才公寓建设", "housing", "RS"),
    ("社区养老服务中心建设", "social", "RS"),
    ("学校周边安全整治", "education", "JY"),
    ("公园绿道提升", "municipal", "CG"),
    ("停车难治理", "traffic", "CG"),
];

fn leader_projects(c: &mut AnyConnection, w: &mut World) -> Result<(), DemoError> {
    let towns = w.units_of(UnitKind::Town);
    for i in 0..LEADER_PROJECTS {
        leader_project(c, w, i, &towns[i % towns.len()])?;
    }
    Ok(())
}

/// The `i`-th key project: planned, claimed by a leader with a lead unit,
/// instructed, worked through its milestones, and (most) accepted.
fn leader_project(
    c: &mut AnyConnection,
    w: &mut World,
    i: usize,
    town: &Unit,
) -> Result<(), DemoError> {
    let (theme, category, lead) = THEMES[i % THEMES.len()];
    let created = w.ago(360 - (i as i64) * 3);
    let title = format!("{}{}", town.name, theme);
    let description = format!(
        "{}群众反映强烈的{}问题，列为区领导认领的重点民生项目，统筹推进。",
        town.name, theme
    );
    let dispatcher = w.dispatcher.clone();
    let category = w.category(category)?;
    let id = start(
        c,
        w,
        Plan::Project,
        &dispatcher,
        title,
        description,
        category,
        town.clone(),
        None,
        None,
        created,
    )?;
    let leader = w.leaders[i % w.leaders.len()].clone();
    let lead_unit = w.unit(lead)?.clone();
    let staff = w.staff_of(lead_unit.id)?.clone();
    let claimed = created + Duration::days(2);
    let claim = StepInput {
        unit: Some(lead_unit.id),
        ..StepInput::default()
    };
    w.take(
        c,
        id,
        &leader,
        Action::Take(Transition::Claim),
        claim,
        claimed,
    )?;
    let instruction = World::note("要高标准推进，按节点完成，及时向群众公开进度。");
    w.take(
        c,
        id,
        &leader,
        Action::Instruct,
        instruction,
        claimed + Duration::hours(3),
    )?;
    w.t(
        c,
        id,
        &staff,
        Transition::SignFor,
        claimed + Duration::hours(5),
    )?;
    let done = i < LEADER_ACCEPTED;
    for (k, step) in ["方案设计", "施工建设", "完工验收准备"].iter().enumerate() {
        let when = claimed + Duration::days(40 * (k as i64 + 1));
        let finished = done || k == 0;
        let planned = when.date_naive();
        let milestone = StepInput {
            milestone: MilestoneInput {
                id: None,
                title: (*step).to_owned(),
                planned_on: Some(planned),
                done_on: if finished {
                    Typed::Given(planned)
                } else {
                    Typed::Blank
                },
                progress: Typed::Given(if finished { 100 } else { 60 }),
            },
            ..StepInput::default()
        };
        w.take(c, id, &staff, Action::Milestone, milestone, when)?;
    }
    if done {
        accept_project(c, w, id, i, &staff, claimed + Duration::days(125))?;
    }
    Ok(())
}

/// A finished project is resolved and accepted; now and then the first
/// acceptance fails and the work goes on.
fn accept_project(
    c: &mut AnyConnection,
    w: &World,
    id: i64,
    i: usize,
    staff: &Staff,
    resolved: DateTime<Utc>,
) -> Result<(), DemoError> {
    let dispatcher = &w.dispatcher;
    let resolve = Action::Take(Transition::Resolve);
    w.take(
        c,
        id,
        staff,
        resolve,
        World::note("项目已按计划完工，申请验收。"),
        resolved,
    )?;
    if i % 9 == 4 {
        let send_back = World::note("验收发现部分整改未到位，请继续完善。");
        w.take(
            c,
            id,
            dispatcher,
            Action::Take(Transition::SendBack),
            send_back,
            resolved + Duration::days(5),
        )?;
        let again = World::note("整改已完成，再次申请验收。");
        w.take(c, id, staff, resolve, again, resolved + Duration::days(15))?;
    }
    let verified = World::note("验收通过。");
    w.take(
        c,
        id,
        dispatcher,
        Action::Take(Transition::Verify),
        verified,
        resolved + Duration::days(20),
    )
}

const DEPT_THEMES: [(&str, &str); 12] = [
    ("背街小巷路面修复", "municipal"),
    ("公厕提升改造", "sanitation"),
    ("内涝黑点整治", "water"),
    ("公交站台改造", "traffic"),
    ("电梯加装", "housing"),
    ("菜市场食品安全快检", "market"),
    ("学位扩容", "education"),
    ("社区卫生服务站提升", "health"),
    ("长者饭堂建设", "social"),
    ("口袋公园建设", "municipal"),
    ("垃圾分类屋建设", "sanitation"),
    ("政务服务一窗通办", "other"),
];

fn department_matters(c: &mut AnyConnection, w: &mut World) -> Result<(), DemoError> {
    let owners: Vec<Unit> = w
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::Town || u.kind == UnitKind::Department)
        .cloned()
        .collect();
    for i in 0..DEPARTMENT_MATTERS {
        let (theme, category) = DEPT_THEMES[i % DEPT_THEMES.len()];
        let owner = owners[i % owners.len()].clone();
        let staff = w.staff_of(owner.id)?.clone();
        let created = w.ago(350 - (i as i64) * 2);
        let title = format!("{}{}", owner.name, theme);
        let description = format!("{}结合职能谋划的区级重点民生实事：{}。", owner.name, theme);
        let id = start(
            c,
            w,
            Plan::Department,
            &staff,
            title,
            description,
            w.category(category)?,
            owner,
            None,
            None,
            created,
        )?;
        w.t(
            c,
            id,
            &staff,
            Transition::SignFor,
            created + Duration::hours(4),
        )?;
        let planned = (created + Duration::days(30)).date_naive();
        let form = StepInput {
            milestone: MilestoneInput {
                title: "主体工作完成".into(),
                planned_on: Some(planned),
                done_on: Typed::Given(planned),
                ..MilestoneInput::default()
            },
            ..StepInput::default()
        };
        w.take(
            c,
            id,
            &staff,
            Action::Milestone,
            form,
            created + Duration::days(30),
        )?;
        w.take(
            c,
            id,
            &staff,
            Action::Take(Transition::Resolve),
            World::note("已完成，申请验收。"),
            created + Duration::days(32),
        )?;
        let dispatcher = w.dispatcher.clone();
        w.take(
            c,
            id,
            &dispatcher,
            Action::Take(Transition::Verify),
            World::note("验收通过。"),
            created + Duration::days(36),
        )?;
    }
    Ok(())
}

const MICRO_THEMES: [(&str, &str); 10] = [
    ("巷道路灯维修", "municipal"),
    ("健身器材更换", "municipal"),
    ("楼道杂物清理", "sanitation"),
    ("排水沟疏通", "water"),
    ("减速带安装", "traffic"),
    ("小区围墙修补", "housing"),
    ("雨棚加装", "municipal"),
    ("长者活动室添置桌椅", "social"),
    ("儿童游乐设施维护", "education"),
    ("垃圾桶增设", "sanitation"),
];

fn micro_matters(c: &mut AnyConnection, w: &mut World) -> Result<(), DemoError> {
    let communities = w.units_of(UnitKind::Community);
    for i in 0..MICRO_MATTERS {
        let (theme, category) = MICRO_THEMES[i % MICRO_THEMES.len()];
        let community = communities[i % communities.len()].clone();
        let staff = w.staff_of(community.id)?.clone();
        let created = w.ago(370 - (i as i64 * 360 / MICRO_MATTERS as i64));
        // ¥20,000 to ¥250,000, in whole yuan.
        let requested = w.rng.random_range(20_000..250_000i64) * 100;
        let title = format!("{}{}", community.name, theme);
        let description = format!("居民提出：{}{}，需马上解决。", community.name, theme);
        let id = start(
            c,
            w,
            Plan::Micro,
            &staff,
            title,
            description,
            w.category(category)?,
            community.clone(),
            Some(requested),
            None,
            created,
        )?;
        let dispatcher = w.dispatcher.clone();
        let approved = requested - requested % 1000;
        let form = StepInput {
            amount: Some(approved / 100 * 100),
            ..StepInput::default()
        };
        w.take(
            c,
            id,
            &dispatcher,
            Action::Take(Transition::Accept),
            form,
            created + Duration::hours(2),
        )?;
        w.dispatch(c, id, &dispatcher, &community, created + Duration::hours(3))?;
        w.t(
            c,
            id,
            &staff,
            Transition::SignFor,
            created + Duration::hours(5),
        )?;
        let spent = approved * w.rng.random_range(80..=100) / 100;
        let form = StepInput {
            note: "已办结，费用据实结算。".into(),
            amount: Some(spent),
            ..StepInput::default()
        };
        w.take(
            c,
            id,
            &staff,
            Action::Take(Transition::Resolve),
            form,
            created + Duration::days(3),
        )?;
        w.take(
            c,
            id,
            &dispatcher,
            Action::Take(Transition::Close),
            StepInput::default(),
            created + Duration::days(4),
        )?;
    }
    Ok(())
}

fn volunteer_services(c: &mut AnyConnection, w: &mut World) -> Result<(), DemoError> {
    let menu = volunteers::menu(c)?;
    let communities = w.units_of(UnitKind::Community);
    for i in 0..160 {
        let item = menu[i % menu.len()].clone();
        let community = communities[(i * 7) % communities.len()].clone();
        let staff = w.staff_of(community.id)?.clone();
        let Some((volunteer, _)) = w
            .volunteers
            .iter()
            .find(|(_, team)| *team == item.team_id)
            .cloned()
        else {
            continue;
        };
        let created = w.ago(330 - (i as i64) * 2);
        let description = format!("{}申请“{}”服务。", community.name, item.title);
        let id = start(
            c,
            w,
            Plan::Service,
            &staff,
            item.title.clone(),
            description,
            w.category("social")?,
            community,
            None,
            Some(item),
            created,
        )?;
        let open = i >= 156;
        if open && i % 2 == 0 {
            continue;
        }
        w.t(
            c,
            id,
            &volunteer,
            Transition::Claim,
            created + Duration::days(1),
        )?;
        w.t(
            c,
            id,
            &volunteer,
            Transition::SignFor,
            created + Duration::days(1) + Duration::hours(1),
        )?;
        if open {
            continue;
        }
        let served = (created + Duration::days(3)).date_naive();
        let form = StepInput {
            note: "服务已完成，群众反映良好。".into(),
            served_on: Some(served),
            minutes: Some(60 * w.rng.random_range(1..=4)),
            ..StepInput::default()
        };
        w.take(
            c,
            id,
            &volunteer,
            Action::Take(Transition::Resolve),
            form,
            created + Duration::days(3),
        )?;
        let dispatcher = w.dispatcher.clone();
        w.take(
            c,
            id,
            &dispatcher,
            Action::Take(Transition::Close),
            StepInput::default(),
            created + Duration::days(4),
        )?;
    }
    Ok(())
}

const ONLINE_THEMES: [(&str, &str); 12] = [
    ("路灯不亮", "municipal"),
    ("垃圾清运不及时", "sanitation"),
    ("河涌有异味", "water"),
    ("路口红绿灯时间太短", "traffic"),
    ("小区电梯经常故障", "housing"),
    ("菜市场缺斤短两", "market"),
    ("学校门口接送拥堵", "education"),
    ("社区医院挂号难", "health"),
    ("社保卡补办咨询", "social"),
    ("夜间施工噪音扰民", "other"),
    ("井盖破损", "urgent"),
    ("占道经营", "municipal"),
];

fn citizen_request(
    c: &mut AnyConnection,
    w: &mut World,
    i: usize,
    created: DateTime<Utc>,
) -> Result<(i64, Unit), DemoError> {
    let (theme, category) = ONLINE_THEMES[i % ONLINE_THEMES.len()];
    let category = w.category(category)?;
    let places: Vec<Unit> = w
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::Community || u.kind == UnitKind::Town)
        .cloned()
        .collect();
    let place = places[w.rng.random_range(0..places.len())].clone();
    let town_id = if place.kind == UnitKind::Town {
        Some(place.id)
    } else {
        place.parent_id
    };
    let source = match i % 20 {
        0..=11 => Source::Web,
        12..=16 => Source::Radio,
        17..=18 => Source::Phone,
        _ => Source::WalkIn,
    };
    let radio_date: Option<NaiveDate> = (source == Source::Radio).then(|| created.date_naive());
    let phone = format!(
        "13{}{:08}",
        w.rng.random_range(0..10),
        w.rng.random_range(0..100_000_000u32)
    );
    let name = person(&mut w.rng);
    let title = format!("{}{}", place.name, theme);
    let description = format!("{}附近{}，希望尽快处理。", place.name, theme);
    let origin = match source {
        Source::Web => Origin::Web,
        _ => Origin::Recorded {
            source,
            radio_date,
            by: (w.dispatcher.id, w.dispatcher.display_name.clone()),
        },
    };
    let request = NewRequest {
        category,
        title,
        description,
        place: Some(place.clone()),
        address: String::new(),
        name: Some(name),
        phone: Some(phone),
        photos: Vec::new(),
        contact: Default::default(),
    };
    let receipt = requests::store(c, &w.prefix, &mut w.rng, &request, &origin, created)
        .map_err(|e| DemoError(format!("a request was not stored: {e}")))?;
    let id = receipt.id;
    // The handling unit: the place's town for most, a department for some.
    let handler = if i.is_multiple_of(4) {
        let departments = w.units_of(UnitKind::Department);
        departments[i % departments.len()].clone()
    } else {
        w.units
            .iter()
            .find(|u| Some(u.id) == town_id)
            .cloned()
            .unwrap_or(place)
    };
    Ok((id, handler))
}

fn rate(
    c: &mut AnyConnection,
    id: i64,
    rating: Rating,
    comment: &str,
    at: DateTime<Utc>,
) -> Result<(), DemoError> {
    let m = matters::by_id(c, id)?.ok_or_else(|| DemoError(format!("matter {id} vanished")))?;
    // Rated by the person who asked, who knows their phone's last digits.
    let digits = m
        .citizen_phone
        .as_deref()
        .map(crate::domain::phone::last_four)
        .unwrap_or_default();
    let given = app::rating::Given {
        rating,
        comment,
        digits: &digits,
    };
    must(
        app::rating::rate(c, &m.code, Some(m.version), &given, at),
        "rate",
    )
}

fn online_requests(c: &mut AnyConnection, w: &mut World) -> Result<(), DemoError> {
    for i in 0..ONLINE_CLOSED {
        closed_online(c, w, i)?;
    }
    // What is still open today: waiting for triage, dispatch, signing, work
    // (some of it overdue), and replies nobody has rated yet.
    for j in 0..60 {
        open_online(c, w, j)?;
    }
    Ok(())
}

/// The `i`-th of the year's online requests, handled and closed.
fn closed_online(c: &mut AnyConnection, w: &mut World, i: usize) -> Result<(), DemoError> {
    let dispatcher = w.dispatcher.clone();
    let created = w.ago(365 - (i as i64 * 350 / ONLINE_CLOSED as i64));
    let (id, handler) = citizen_request(c, w, i, created)?;
    let staff = w.staff_of(handler.id)?.clone();
    w.t(
        c,
        id,
        &dispatcher,
        Transition::Accept,
        created + Duration::hours(1),
    )?;
    w.dispatch(c, id, &dispatcher, &handler, created + Duration::hours(2))?;
    // Most are signed for within the limit; a few late.
    let sign_after = if i.is_multiple_of(33) {
        Duration::hours(60)
    } else {
        Duration::minutes(w.rng.random_range(20..600))
    };
    w.t(
        c,
        id,
        &staff,
        Transition::SignFor,
        created + Duration::hours(2) + sign_after,
    )?;
    let resolved = created + Duration::days(w.rng.random_range(1..6));
    let reply = World::note("已现场核实并处理，请市民查看。");
    w.take(
        c,
        id,
        &staff,
        Action::Take(Transition::Resolve),
        reply,
        resolved,
    )?;
    match i % 50 {
        0 | 1 => {
            // Nobody rated it: it closed itself.
            let m = matters::by_id(c, id)?.ok_or_else(|| DemoError("vanished".into()))?;
            must(
                app::rating::time_out(c, id, m.version, resolved + Duration::days(7)),
                "timeout",
            )
        }
        2 => {
            rate(
                c,
                id,
                Rating::Unsatisfied,
                "问题还没有彻底解决",
                resolved + Duration::days(1),
            )?;
            let again = World::note("已再次上门，彻底处理。");
            w.take(
                c,
                id,
                &staff,
                Action::Take(Transition::Resolve),
                again,
                resolved + Duration::days(3),
            )?;
            rate(c, id, Rating::Basic, "", resolved + Duration::days(4))
        }
        3..=7 => rate(c, id, Rating::Basic, "", resolved + Duration::days(1)),
        _ => rate(
            c,
            id,
            Rating::Satisfied,
            "处理及时，谢谢！",
            resolved + Duration::hours(20),
        ),
    }
}

/// The `j`-th online request still open today: the higher `j`, the
/// further it has come.
fn open_online(c: &mut AnyConnection, w: &mut World, j: usize) -> Result<(), DemoError> {
    let dispatcher = w.dispatcher.clone();
    let days_ago = match j {
        0..=9 => 0,
        10..=19 => 1,
        20..=29 => 3,
        30..=44 => 20,
        _ => 4,
    };
    let created = w.now - Duration::days(days_ago) - Duration::hours(w.rng.random_range(1..8));
    let (id, handler) = citizen_request(c, w, ONLINE_CLOSED + j, created)?;
    if j < 10 {
        return Ok(());
    }
    w.t(
        c,
        id,
        &dispatcher,
        Transition::Accept,
        created + Duration::minutes(30),
    )?;
    if j < 16 {
        return Ok(());
    }
    let staff = w.staff_of(handler.id)?.clone();
    w.dispatch(c, id, &dispatcher, &handler, created + Duration::hours(1))?;
    if j < 26 {
        return Ok(());
    }
    w.t(
        c,
        id,
        &staff,
        Transition::SignFor,
        created + Duration::hours(3),
    )?;
    if (40..45).contains(&j) {
        let urge = World::note("已超期，请抓紧办理。");
        w.take(
            c,
            id,
            &dispatcher,
            Action::Urge,
            urge,
            created + Duration::days(16),
        )?;
    }
    if j < 45 {
        return Ok(());
    }
    let reply = World::note("已处理，请市民评价。");
    w.take(
        c,
        id,
        &staff,
        Action::Take(Transition::Resolve),
        reply,
        created + Duration::days(2),
    )
}

/// Reads the count of matters (for tests and the command's report).
pub fn count_matters(c: &mut AnyConnection) -> QueryResult<i64> {
    matters_t::table.count().get_result(c)
}

mod bulk;

pub use bulk::{BulkReport, generate};
