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
use crate::app::{self, Staff};
use crate::db::catalog::{self, Category, Unit};
use crate::db::matters;
use crate::db::schema::{matters as matters_t, users as users_t};
use crate::db::{self, AnyConnection, DbError, fund, users, volunteers};
use crate::domain::access::{Action, Plan, Scope};
use crate::domain::{
    Channel, EventKind, Rating, Role, Source, State, Transition, UnitKind, tracking,
};

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

#[allow(clippy::too_many_arguments)]
fn add_account(
    c: &mut AnyConnection,
    username: &str,
    display: &str,
    role: Role,
    unit: Option<&Unit>,
    hash: &str,
    units: &[Unit],
    at: DateTime<Utc>,
) -> Result<Staff, DemoError> {
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
            created_at: at.naive_utc(),
        },
    )?;
    let tree = unit
        .map(|u| catalog::subtree(units, u.id))
        .unwrap_or_default();
    Ok(Staff {
        id,
        username: username.to_owned(),
        display_name: display.to_owned(),
        role,
        unit_id: unit.map(|u| u.id),
        scope: Scope::of(role, tree),
    })
}

fn build(
    c: &mut AnyConnection,
    prefix: &str,
) -> Result<Vec<(Role, Vec<String>, String)>, DemoError> {
    let mut rng = StdRng::seed_from_u64(20_210_701);
    let now = Utc::now();
    let units = catalog::all_units(c)?;
    let categories = catalog::all_categories(c)?;
    let start = now - Duration::days(400);

    // Accounts: one password per role, printed at the end.
    let mut accounts = Vec::new();
    let mut hashed = Vec::new();
    for role in Role::ALL {
        let pw = password(&mut rng);
        hashed.push((
            role,
            hash_password(&pw).map_err(|e| DemoError(e.to_string()))?,
            pw,
        ));
    }
    let hash_of = |role: Role| {
        hashed
            .iter()
            .find(|(r, _, _)| *r == role)
            .map(|(_, h, _)| h.clone())
            .unwrap_or_default()
    };
    let admin = add_account(
        c,
        "admin",
        "系统管理员",
        Role::Admin,
        None,
        &hash_of(Role::Admin),
        &units,
        start,
    )?;
    let dispatcher = add_account(
        c,
        "dispatcher",
        "受理中心·何敏",
        Role::Dispatcher,
        None,
        &hash_of(Role::Dispatcher),
        &units,
        start,
    )?;
    add_account(
        c,
        "dispatcher2",
        "受理中心·梁杰",
        Role::Dispatcher,
        None,
        &hash_of(Role::Dispatcher),
        &units,
        start,
    )?;
    let mut leaders = Vec::new();
    for i in 0..12 {
        let name = format!("{}（区领导）", person(&mut rng));
        leaders.push(add_account(
            c,
            &format!("leader{:02}", i + 1),
            &name,
            Role::Leader,
            None,
            &hash_of(Role::Leader),
            &units,
            start,
        )?);
    }
    let mut unit_staff = Vec::new();
    for u in units.iter().filter(|u| u.kind != UnitKind::District) {
        let name = format!("{}·{}", u.name, person(&mut rng));
        let login = format!("unit-{}", u.code.to_lowercase());
        unit_staff.push((
            u.id,
            add_account(
                c,
                &login,
                &name,
                Role::UnitStaff,
                Some(u),
                &hash_of(Role::UnitStaff),
                &units,
                start,
            )?,
        ));
    }

    let mut w = World {
        rng,
        units: units.clone(),
        categories,
        admin,
        dispatcher,
        leaders,
        unit_staff,
        volunteers: Vec::new(),
        prefix: prefix.to_owned(),
        now,
    };

    fund::allocate(
        c,
        FUND_FEN,
        &w.admin.display_name,
        "区委专项经费：微实事滚动资金",
        start,
    )?;
    volunteer_teams(c, &mut w, &hash_of(Role::Volunteer))?;
    leader_projects(c, &mut w)?;
    department_matters(c, &mut w)?;
    micro_matters(c, &mut w)?;
    volunteer_services(c, &mut w)?;
    online_requests(c, &mut w)?;

    for (role, _, pw) in &hashed {
        let names: Vec<String> = match role {
            Role::Admin => vec!["admin".into()],
            Role::Dispatcher => vec!["dispatcher".into(), "dispatcher2".into()],
            Role::Leader => vec!["leader01 … leader12".into()],
            Role::UnitStaff => {
                vec!["unit-gc, unit-jj, unit-zj, unit-gc-xb … (unit-<unit code>)".into()]
            }
            Role::Volunteer => vec![format!("vol001 … vol{:03}", w.volunteers.len())],
        };
        accounts.push((*role, names, pw.clone()));
    }
    Ok(accounts)
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

fn volunteer_teams(c: &mut AnyConnection, w: &mut World, hash: &str) -> Result<(), DemoError> {
    let departments = w.units_of(UnitKind::Department);
    let communities = w.units_of(UnitKind::Community);
    let mut item_count = 0;
    let mut volunteer_no = 0;
    for i in 0..TEAMS {
        let (specialty, items) = SPECIALTIES[i % SPECIALTIES.len()];
        let unit = &departments[i % departments.len()];
        let name = format!(
            "{}{}党员志愿服务{}队",
            unit.name.trim_start_matches('区'),
            specialty,
            i / SPECIALTIES.len() + 1
        );
        let at = w.now - Duration::days(380);
        let team = volunteers::add_team(c, &name, specialty, Some(unit.id), at)?;
        // 110 items over 42 teams: the first 26 teams offer three, the rest two.
        let n = if i < MENU_ITEMS - 2 * TEAMS { 3 } else { 2 };
        for item in items.iter().take(n) {
            volunteers::add_menu_item(c, team, item, &format!("由{name}提供的{item}服务"))?;
            item_count += 1;
        }
        for _ in 0..2 {
            volunteer_no += 1;
            let login = format!("vol{volunteer_no:03}");
            let display = person(&mut w.rng);
            let v = add_account(
                c,
                &login,
                &display,
                Role::Volunteer,
                None,
                hash,
                &w.units,
                at,
            )?;
            let community = &communities[volunteer_no % communities.len()];
            volunteers::report(
                c,
                v.id,
                Some(team),
                Some(unit.id),
                community.id,
                at + Duration::days(3),
            )?;
            volunteers::add_claim(
                c,
                v.id,
                "post",
                &format!("{}志愿服务岗", community.name),
                community.id,
                at + Duration::days(4),
            )?;
            volunteers::add_claim(
                c,
                v.id,
                "recipient",
                &format!("{}困难家庭", person(&mut w.rng)),
                community.id,
                at + Duration::days(4),
            )?;
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
        let (theme, category, lead) = THEMES[i % THEMES.len()];
        let town = towns[i % towns.len()].clone();
        let created = w.ago(360 - (i as i64) * 3);
        let title = format!("{}{}", town.name, theme);
        let description = format!(
            "{}群众反映强烈的{}问题，列为区领导认领的重点民生项目，统筹推进。",
            town.name, theme
        );
        let dispatcher = w.dispatcher.clone();
        let id = start(
            c,
            w,
            Plan::Project,
            &dispatcher,
            title,
            description,
            w.category(category)?,
            town,
            None,
            None,
            created,
        )?;
        let leader = w.leaders[i % w.leaders.len()].clone();
        let lead_unit = w.unit(lead)?.clone();
        let staff = w.staff_of(lead_unit.id)?.clone();
        let claimed = created + Duration::days(2);
        w.take(
            c,
            id,
            &leader,
            Action::Take(Transition::Claim),
            StepInput {
                unit: Some(lead_unit.id),
                ..StepInput::default()
            },
            claimed,
        )?;
        w.take(
            c,
            id,
            &leader,
            Action::Instruct,
            World::note("要高标准推进，按节点完成，及时向群众公开进度。"),
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
            let k = k as i64;
            let planned = (claimed + Duration::days(40 * (k + 1))).date_naive();
            let finished = done || k == 0;
            let form = StepInput {
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
            w.take(
                c,
                id,
                &staff,
                Action::Milestone,
                form,
                claimed + Duration::days(40 * (k + 1)),
            )?;
        }
        if !done {
            continue;
        }
        let resolved = claimed + Duration::days(125);
        w.take(
            c,
            id,
            &staff,
            Action::Take(Transition::Resolve),
            World::note("项目已按计划完工，申请验收。"),
            resolved,
        )?;
        if i % 9 == 4 {
            w.take(
                c,
                id,
                &dispatcher,
                Action::Take(Transition::SendBack),
                World::note("验收发现部分整改未到位，请继续完善。"),
                resolved + Duration::days(5),
            )?;
            w.take(
                c,
                id,
                &staff,
                Action::Take(Transition::Resolve),
                World::note("整改已完成，再次申请验收。"),
                resolved + Duration::days(15),
            )?;
        }
        w.take(
            c,
            id,
            &dispatcher,
            Action::Take(Transition::Verify),
            World::note("验收通过。"),
            resolved + Duration::days(20),
        )?;
    }
    Ok(())
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
        w.take(
            c,
            id,
            &dispatcher,
            Action::Take(Transition::Dispatch),
            StepInput {
                unit: Some(community.id),
                ..StepInput::default()
            },
            created + Duration::hours(3),
        )?;
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
    must(
        app::rating::rate(c, &m.code, Some(m.version), rating, comment, at),
        "rate",
    )
}

fn online_requests(c: &mut AnyConnection, w: &mut World) -> Result<(), DemoError> {
    let dispatcher = w.dispatcher.clone();
    for i in 0..ONLINE_CLOSED {
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
        w.take(
            c,
            id,
            &dispatcher,
            Action::Take(Transition::Dispatch),
            StepInput {
                unit: Some(handler.id),
                ..StepInput::default()
            },
            created + Duration::hours(2),
        )?;
        // Most are signed for within the limit; a few late.
        let sign_after = if i % 33 == 0 {
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
        w.take(
            c,
            id,
            &staff,
            Action::Take(Transition::Resolve),
            World::note("已现场核实并处理，请市民查看。"),
            resolved,
        )?;
        match i % 50 {
            0 | 1 => {
                // Nobody rated it: it closed itself.
                let m = matters::by_id(c, id)?.ok_or_else(|| DemoError("vanished".into()))?;
                must(
                    app::rating::time_out(c, id, m.version, resolved + Duration::days(7)),
                    "timeout",
                )?;
            }
            2 => {
                rate(
                    c,
                    id,
                    Rating::Unsatisfied,
                    "问题还没有彻底解决",
                    resolved + Duration::days(1),
                )?;
                w.take(
                    c,
                    id,
                    &staff,
                    Action::Take(Transition::Resolve),
                    World::note("已再次上门，彻底处理。"),
                    resolved + Duration::days(3),
                )?;
                rate(c, id, Rating::Basic, "", resolved + Duration::days(4))?;
            }
            3..=7 => rate(c, id, Rating::Basic, "", resolved + Duration::days(1))?,
            _ => rate(
                c,
                id,
                Rating::Satisfied,
                "处理及时，谢谢！",
                resolved + Duration::hours(20),
            )?,
        }
    }

    // What is still open today: waiting for triage, dispatch, signing, work
    // (some of it overdue), and replies nobody has rated yet.
    for j in 0..60 {
        let i = ONLINE_CLOSED + j;
        let days_ago = match j {
            0..=9 => 0,
            10..=19 => 1,
            20..=29 => 3,
            30..=44 => 20,
            _ => 4,
        };
        let created = w.now - Duration::days(days_ago) - Duration::hours(w.rng.random_range(1..8));
        let (id, handler) = citizen_request(c, w, i, created)?;
        if j < 10 {
            continue;
        }
        w.t(
            c,
            id,
            &dispatcher,
            Transition::Accept,
            created + Duration::minutes(30),
        )?;
        if j < 16 {
            continue;
        }
        let staff = w.staff_of(handler.id)?.clone();
        w.take(
            c,
            id,
            &dispatcher,
            Action::Take(Transition::Dispatch),
            StepInput {
                unit: Some(handler.id),
                ..StepInput::default()
            },
            created + Duration::hours(1),
        )?;
        if j < 26 {
            continue;
        }
        w.t(
            c,
            id,
            &staff,
            Transition::SignFor,
            created + Duration::hours(3),
        )?;
        if (40..45).contains(&j) {
            w.take(
                c,
                id,
                &dispatcher,
                Action::Urge,
                World::note("已超期，请抓紧办理。"),
                created + Duration::days(16),
            )?;
        }
        if j < 45 {
            continue;
        }
        w.take(
            c,
            id,
            &staff,
            Action::Take(Transition::Resolve),
            World::note("已处理，请市民评价。"),
            created + Duration::days(2),
        )?;
    }
    Ok(())
}

/// Reads the count of matters (for tests and the command's report).
pub fn count_matters(c: &mut AnyConnection) -> QueryResult<i64> {
    matters_t::table.count().get_result(c)
}

/// What a bulk generation wrote.
pub struct BulkReport {
    pub matters: usize,
    pub events: usize,
    pub seconds: f64,
}

/// Adds `n` generated matters spread over channels, states, units,
/// categories and three years, each with a timeline that leads to its state,
/// written with multi-row INSERTs (for benchmarks at scale).
pub fn generate(url: &str, n: usize, prefix: &str, seed: u64) -> Result<BulkReport, DemoError> {
    use crate::db::bulk::{self, BulkEvent, BulkMatter};
    use std::collections::HashSet;

    let started = Instant::now();
    db::migrate(&db::Backend::from_url(url))?;
    let mut conn = db::open(url)?;
    {
        use diesel::connection::SimpleConnection;
        // A generator may trade durability for speed: if it dies, it is
        // rerun on a fresh file. No journal (each page is written once, not
        // to the log and then again into the file), and a big page cache.
        if let AnyConnection::Sqlite(_) = conn {
            conn.batch_execute("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;")?;
            // Leaving WAL needs the database to itself: with a server (or a
            // test's app) connected, the generator stays in WAL, just slower.
            if let Err(e) = conn.batch_execute("PRAGMA journal_mode = OFF;") {
                log::info!("generating with the write-ahead log: {e}");
            }
        }
    }
    let units = catalog::all_units(&mut conn)?;
    let categories = catalog::active_categories(&mut conn)?;
    let places: Vec<&Unit> = units
        .iter()
        .filter(|u| u.kind == UnitKind::Town || u.kind == UnitKind::Community)
        .collect();
    let departments: Vec<&Unit> = units
        .iter()
        .filter(|u| u.kind == UnitKind::Department)
        .collect();
    if places.is_empty() || categories.is_empty() || departments.is_empty() {
        return Err(DemoError(
            "the database has no units or categories to spread matters over".into(),
        ));
    }
    let mut codes: HashSet<String> = matters_t::table
        .select(matters_t::code)
        .load::<String>(&mut conn)?
        .into_iter()
        .collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let now = Utc::now();
    let mut next_id = bulk::next_matter_id(&mut conn)?;
    let (mut written, mut written_events) = (0usize, 0usize);
    // Many rows: the indexes are built once at the end (sorting), rather than
    // grown one random insert at a time.
    let dropped = if n >= 50_000 {
        Some(bulk::drop_indexes(&mut conn)?)
    } else {
        None
    };
    let batch_size = 5000;

    while written < n {
        let take = batch_size.min(n - written);
        let mut batch = Vec::with_capacity(take);
        let mut evs = Vec::with_capacity(take * 6);
        for _ in 0..take {
            let id = next_id;
            next_id += 1;
            let code = loop {
                let c = tracking::generate(prefix, &mut rng);
                if codes.insert(c.clone()) {
                    break c;
                }
            };
            let r: f64 = rng.random();
            let channel = if r < 0.85 {
                Channel::Online
            } else if r < 0.93 {
                Channel::Micro
            } else if r < 0.96 {
                Channel::Department
            } else if r < 0.97 {
                Channel::Leader
            } else {
                Channel::Volunteer
            };
            let category = &categories[rng.random_range(0..categories.len())];
            let place = places[rng.random_range(0..places.len())];
            let town = if place.kind == UnitKind::Town {
                Some(place.id)
            } else {
                place.parent_id
            };
            let unit = match channel {
                Channel::Online if rng.random_bool(0.25) => {
                    departments[rng.random_range(0..departments.len())].id
                }
                Channel::Online | Channel::Department | Channel::Leader => town.unwrap_or(place.id),
                Channel::Micro | Channel::Volunteer => place.id,
            };
            let age_minutes = rng.random_range(1..(3 * 365 * 24 * 60));
            let created = now - Duration::minutes(age_minutes);
            let recent = age_minutes < 30 * 24 * 60;
            let roll: f64 = rng.random();
            // How far along its life the matter has come (0 submitted … 5 closed; 9 rejected).
            let stage = if recent {
                match roll {
                    x if x < 0.10 => 0,
                    x if x < 0.20 => 1,
                    x if x < 0.35 => 2,
                    x if x < 0.60 => 3,
                    x if x < 0.70 => 4,
                    _ => 5,
                }
            } else if roll < 0.03 {
                9
            } else {
                5
            };
            // Steps spaced over the time there was, never past now.
            let span = (now - created).num_minutes().max(10);
            let at = |fraction: f64| created + Duration::minutes(((span as f64) * fraction) as i64);
            let (t_accept, t_dispatch, t_sign, t_resolve, t_close) =
                (at(0.02), at(0.04), at(0.08), at(0.5), at(0.7));
            let sign_due = t_dispatch + Duration::hours(i64::from(category.sign_hours));
            let due = created + Duration::days(i64::from(category.resolve_days));
            let ev = |at: DateTime<Utc>,
                      kind: EventKind,
                      from: Option<State>,
                      to: Option<State>,
                      public: bool,
                      version: i32| BulkEvent {
                matter_id: id,
                at: at.naive_utc(),
                actor_id: None,
                actor: if kind == EventKind::Submitted {
                    "citizen"
                } else {
                    "staff"
                },
                kind,
                from_state: from,
                to_state: to,
                note: "",
                public,
                matter_version: version,
            };
            let mut timeline = vec![ev(
                created,
                EventKind::Submitted,
                None,
                Some(State::Submitted),
                true,
                1,
            )];
            let (dispatch, close) = match channel {
                Channel::Leader => (Transition::Claim, Transition::Verify),
                Channel::Volunteer => (Transition::Claim, Transition::Close),
                Channel::Department => (Transition::Dispatch, Transition::Verify),
                Channel::Micro => (Transition::Dispatch, Transition::Close),
                Channel::Online => (Transition::Dispatch, Transition::RateSatisfied),
            };
            let rating = (channel == Channel::Online && stage == 5).then(|| {
                if rng.random_bool(0.9) {
                    Rating::Satisfied
                } else {
                    Rating::Basic
                }
            });
            let close_kind = match rating {
                Some(r) => EventKind::Rated(r),
                None => EventKind::Took(close),
            };
            let state = if stage == 9 {
                timeline.push(ev(
                    t_accept,
                    EventKind::Took(Transition::Reject),
                    Some(State::Submitted),
                    Some(State::Rejected),
                    true,
                    2,
                ));
                State::Rejected
            } else {
                use State::*;
                let steps: [(DateTime<Utc>, EventKind, State, State); 5] = [
                    (
                        t_accept,
                        EventKind::Took(Transition::Accept),
                        Submitted,
                        Accepted,
                    ),
                    (t_dispatch, EventKind::Took(dispatch), Accepted, Assigned),
                    (
                        t_sign,
                        EventKind::Took(Transition::SignFor),
                        Assigned,
                        InProgress,
                    ),
                    (
                        t_resolve,
                        EventKind::Took(Transition::Resolve),
                        InProgress,
                        Resolved,
                    ),
                    (t_close, close_kind, Resolved, Closed),
                ];
                let mut state = Submitted;
                for (k, (t, kind, from, to)) in steps.iter().enumerate().take(stage) {
                    timeline.push(ev(
                        *t,
                        *kind,
                        Some(*from),
                        Some(*to),
                        true,
                        i32::try_from(k).unwrap_or(0) + 2,
                    ));
                    state = *to;
                }
                state
            };
            let version = i32::try_from(timeline.len()).unwrap_or(1);
            let reached = |s: usize| (stage != 9 && stage >= s).then_some(());
            let (theme, _) = ONLINE_THEMES[rng.random_range(0..ONLINE_THEMES.len())];
            batch.push(BulkMatter {
                id,
                code,
                channel,
                source: if channel == Channel::Online {
                    if rng.random_bool(0.7) {
                        Source::Web
                    } else {
                        Source::Radio
                    }
                } else {
                    Source::Staff
                },
                state,
                category_id: category.id,
                title: format!("{}{}", place.name, theme),
                description: format!("{}附近{}，希望尽快处理。", place.name, theme),
                town_id: town,
                place_id: Some(place.id),
                address: String::new(),
                citizen_name: (channel == Channel::Online).then(|| person(&mut rng)),
                citizen_phone: (channel == Channel::Online).then(|| {
                    format!(
                        "13{}{:08}",
                        rng.random_range(0..10),
                        rng.random_range(0..100_000_000u32)
                    )
                }),
                unit_id: reached(2).map(|_| unit),
                version,
                created_at: created.naive_utc(),
                updated_at: timeline.last().map_or(created.naive_utc(), |e| e.at),
                sign_due_at: reached(2).map(|_| sign_due.naive_utc()),
                due_at: Some(due.naive_utc()),
                accepted_at: reached(1).map(|_| t_accept.naive_utc()),
                dispatched_at: reached(2).map(|_| t_dispatch.naive_utc()),
                signed_at: reached(3).map(|_| t_sign.naive_utc()),
                resolved_at: reached(4).map(|_| t_resolve.naive_utc()),
                closed_at: reached(5).map(|_| t_close.naive_utc()),
                rating,
            });
            evs.extend(timeline);
        }
        bulk::write(&mut conn, &batch, &evs)?;
        written += batch.len();
        written_events += evs.len();
    }
    if let Some(indexes) = dropped {
        bulk::restore_indexes(&mut conn, &indexes)?;
    }
    bulk::sync_sequences(&mut conn)?;
    if let AnyConnection::Sqlite(_) = conn {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("PRAGMA journal_mode = WAL;")?;
    }
    Ok(BulkReport {
        matters: written,
        events: written_events,
        seconds: started.elapsed().as_secs_f64(),
    })
}
