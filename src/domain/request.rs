//! A citizen's request as typed into a form, and the rules it must meet
//! before anything is stored.

/// The fields of the request form, as typed.
#[derive(Clone, Debug, Default)]
pub struct RequestInput {
    pub category: String,
    pub title: String,
    pub description: String,
    pub place: String,
    pub address: String,
    pub name: String,
    pub phone: String,
    pub consent: bool,
    /// An e-mail address for news of the request (optional).
    pub email: String,
    /// News by text message to the phone number too.
    pub sms: bool,
}

/// A request that passed every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitizenRequest {
    pub category_id: i64,
    pub title: String,
    pub description: String,
    pub place_id: i64,
    pub address: String,
    pub name: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    /// Text messages to the phone (a mobile) agreed to.
    pub sms: bool,
}

/// The fields of the request forms (the citizen's, staff intake, the
/// planning forms, Open311's), to say which one a problem belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Category,
    Title,
    Description,
    Place,
    Address,
    Name,
    Phone,
    Consent,
    Email,
    /// Text messages to the phone.
    Sms,
    /// The unit a planned matter belongs to.
    Unit,
    /// The money a micro-matter asks for.
    Amount,
    /// The volunteers' menu item a service request asks for.
    MenuItem,
    /// Photos with a request or a step.
    Photos,
}

impl Field {
    /// The field's name in every form.
    pub fn name(self) -> &'static str {
        match self {
            Field::Category => "category",
            Field::Title => "title",
            Field::Description => "description",
            Field::Place => "place",
            Field::Address => "address",
            Field::Name => "name",
            Field::Phone => "phone",
            Field::Consent => "consent",
            Field::Email => "email",
            Field::Sms => "sms",
            Field::Unit => "unit",
            Field::Amount => "amount",
            Field::MenuItem => "menu_item",
            Field::Photos => "photos",
        }
    }
}

/// What is wrong with a field. `key()` names the message in the locale files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooShort,
    TooLong,
    ControlCharacters,
    UnknownChoice,
    /// Neither a mainland mobile nor a landline with its area code.
    NotAPhoneNumber,
    ConsentMissing,
    /// Not an amount of yuan a micro-matter may ask for.
    BadAmount,
    /// A file that is not a JPEG, PNG or WebP image.
    NotAnImage,
    /// A file that stops before its image does.
    Truncated,
    /// A photo of more than 10 MB.
    PhotoTooLarge,
    /// A photo larger (in pixels) than any camera's.
    PhotoDimensions,
    /// An image that is also something else (a web page, an archive).
    Polyglot,
    /// More photos than one request or step takes.
    TooManyPhotos,
    /// A photo's address that is not an http(s) URL.
    NotALink,
    /// Not an e-mail address.
    NotAnEmail,
    /// Text messages asked for a number that is not a mobile's.
    SmsNeedsMobile,
}

impl Problem {
    pub fn key(self) -> &'static str {
        match self {
            Problem::Required => "form.error.required",
            Problem::TooShort => "form.error.too_short",
            Problem::TooLong => "form.error.too_long",
            Problem::ControlCharacters => "form.error.control",
            Problem::UnknownChoice => "form.error.choice",
            Problem::NotAPhoneNumber => "form.error.phone",
            Problem::ConsentMissing => "form.error.consent",
            Problem::BadAmount => "staff.error.amount",
            Problem::NotAnImage => "form.error.not_an_image",
            Problem::Truncated => "form.error.truncated",
            Problem::PhotoTooLarge => "form.error.photo_too_large",
            Problem::PhotoDimensions => "form.error.photo_dimensions",
            Problem::Polyglot => "form.error.polyglot",
            Problem::TooManyPhotos => "form.error.too_many_photos",
            Problem::NotALink => "form.error.not_a_link",
            Problem::NotAnEmail => "form.error.email",
            Problem::SmsNeedsMobile => "form.error.sms_mobile",
        }
    }

    /// The problem in plain English, for machine clients (Open311).
    pub fn describe(self) -> &'static str {
        match self {
            Problem::Required => "is required",
            Problem::TooShort => "is too short",
            Problem::TooLong => "is too long",
            Problem::ControlCharacters => "must not contain control characters",
            Problem::UnknownChoice => "is not one of the choices",
            Problem::NotAPhoneNumber => {
                "must be a mainland mobile number or a landline with its area code, e.g. 13812345678 or 0757-86221234"
            }
            Problem::ConsentMissing => "needs the citizen's consent",
            Problem::BadAmount => "must be an amount of yuan, more than nothing",
            Problem::NotAnImage => "is not a JPEG, PNG or WebP image",
            Problem::Truncated => "is an incomplete image file",
            Problem::PhotoTooLarge => "is larger than 10 MB",
            Problem::PhotoDimensions => {
                "has more pixels than a photo may have (at most 50 megapixels, 12,000 on a side)"
            }
            Problem::Polyglot => "is an image with something else hidden in it",
            Problem::TooManyPhotos => "has more than 3 photos",
            Problem::NotALink => "must be an http or https URL of at most 500 characters",
            Problem::NotAnEmail => "must be an e-mail address, e.g. name@example.cn",
            Problem::SmsNeedsMobile => "text messages need a mobile number",
        }
    }
}

/// Length bounds in characters (not bytes: 20 Chinese characters are 20).
/// These are the only bounds: every entrance checks its fields with the
/// functions below.
pub const TITLE_CHARS: (usize, usize) = (4, 60);
pub const DESCRIPTION_CHARS: (usize, usize) = (5, 2000);
pub const ADDRESS_CHARS: (usize, usize) = (2, 120);
pub const NAME_CHARS: usize = 30;

/// A title: required, on one line.
pub fn title(typed: &str) -> Result<String, Problem> {
    let t = typed.trim();
    text(t, TITLE_CHARS, false).map(|()| t.to_owned())
}

/// A description: required; line breaks and tabs allowed.
pub fn description(typed: &str) -> Result<String, Problem> {
    let t = typed.trim();
    text(t, DESCRIPTION_CHARS, true).map(|()| t.to_owned())
}

/// An address: required, on one line.
pub fn address(typed: &str) -> Result<String, Problem> {
    let t = typed.trim();
    text(t, ADDRESS_CHARS, false).map(|()| t.to_owned())
}

/// An address where one is not required: blank is none.
pub fn optional_address(typed: &str) -> Result<Option<String>, Problem> {
    match typed.trim() {
        "" => Ok(None),
        _ => address(typed).map(Some),
    }
}

/// The citizen's name, which they need not give.
pub fn name(typed: &str) -> Result<Option<String>, Problem> {
    match typed.trim() {
        "" => Ok(None),
        t => text(t, (1, NAME_CHARS), false).map(|()| Some(t.to_owned())),
    }
}

/// Longest e-mail address taken (RFC 5321's path limit).
pub const EMAIL_CHARS: usize = 254;

/// An e-mail address, which need not be given: one `@`, something before
/// it, a domain with a dot after it, nothing a mail header could not carry.
/// (The mail library checks it again when sending.)
pub fn email(typed: &str) -> Result<Option<String>, Problem> {
    let t = typed.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let plausible = t.chars().count() <= EMAIL_CHARS
        && t.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.len() <= 64
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
                && !domain.contains('@')
                && domain
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
        })
        && !t
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "<>()[]\\,;:\"".contains(c));
    if plausible {
        Ok(Some(t.to_owned()))
    } else {
        Err(Problem::NotAnEmail)
    }
}

/// One of the ids offered, as typed.
pub fn choice(typed: &str, allowed: &[i64]) -> Result<i64, Problem> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(Problem::Required);
    }
    typed
        .parse::<i64>()
        .ok()
        .filter(|id| allowed.contains(id))
        .ok_or(Problem::UnknownChoice)
}

/// Checks every field and returns the request, or every problem found.
/// `categories` and `places` are the ids a citizen may choose from.
pub fn validate(
    input: &RequestInput,
    categories: &[i64],
    places: &[i64],
) -> Result<CitizenRequest, Vec<(Field, Problem)>> {
    let mut problems = Vec::new();
    let p = &mut problems;
    let category_id = noted(p, Field::Category, choice(&input.category, categories));
    let title = noted(p, Field::Title, title(&input.title));
    let description = noted(p, Field::Description, description(&input.description));
    let place_id = noted(p, Field::Place, choice(&input.place, places));
    let address = noted(p, Field::Address, address(&input.address));
    let name = noted(p, Field::Name, name(&input.name));
    let phone = noted(p, Field::Phone, super::phone::normalize(&input.phone));
    let email = noted(p, Field::Email, email(&input.email));
    if input.sms
        && phone
            .as_deref()
            .is_some_and(|n| !super::phone::is_mobile(n))
    {
        p.push((Field::Sms, Problem::SmsNeedsMobile));
    }
    if !input.consent {
        p.push((Field::Consent, Problem::ConsentMissing));
    }
    match (
        category_id,
        title,
        description,
        place_id,
        address,
        name,
        phone,
        email,
    ) {
        (
            Some(category_id),
            Some(title),
            Some(description),
            Some(place_id),
            Some(address),
            Some(name),
            Some(phone),
            Some(email),
        ) if problems.is_empty() => Ok(CitizenRequest {
            category_id,
            title,
            description,
            place_id,
            address,
            name,
            phone,
            email,
            sms: input.sms,
        }),
        _ => Err(problems),
    }
}

/// A field's value, or its problem noted in `problems`.
pub fn noted<T>(
    problems: &mut Vec<(Field, Problem)>,
    field: Field,
    checked: Result<T, Problem>,
) -> Option<T> {
    checked.map_err(|p| problems.push((field, p))).ok()
}

/// Whether `value` (trimmed) is present, without control characters (but
/// line breaks and tabs where `multiline`), and within its bounds.
pub fn text(value: &str, (min, max): (usize, usize), multiline: bool) -> Result<(), Problem> {
    if value.is_empty() {
        return Err(Problem::Required);
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
    {
        return Err(Problem::ControlCharacters);
    }
    let chars = value.chars().count();
    if chars < min {
        Err(Problem::TooShort)
    } else if chars > max {
        Err(Problem::TooLong)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> RequestInput {
        RequestInput {
            category: "1".into(),
            title: "路灯不亮".into(),
            description: "桂城夏北社区三巷路灯已经坏了一周".into(),
            place: "10".into(),
            address: "夏北三巷12号".into(),
            name: String::new(),
            phone: "138 1234 5678".into(),
            consent: true,
            email: String::new(),
            sms: false,
        }
    }

    #[test]
    fn email_addresses_are_optional_and_plausible() {
        assert_eq!(email("  "), Ok(None));
        assert_eq!(
            email(" chen@example.cn "),
            Ok(Some("chen@example.cn".into()))
        );
        assert_eq!(email("王@例子.中国"), Ok(Some("王@例子.中国".into())));
        for bad in [
            "chen",
            "chen@",
            "@example.cn",
            "chen@localhost",
            "chen@example..cn",
            "a b@example.cn",
            "chen@example.cn\r\nBcc: x@y.cn",
            "<chen@example.cn>",
            "a@b@example.cn",
        ] {
            assert_eq!(email(bad), Err(Problem::NotAnEmail), "{bad:?}");
        }
        let long = format!("{}@example.cn", "a".repeat(65));
        assert_eq!(email(&long), Err(Problem::NotAnEmail));
    }

    #[test]
    fn text_messages_need_a_mobile() {
        let landline = RequestInput {
            phone: "0757-86221234".into(),
            sms: true,
            ..good()
        };
        assert!(problems(&landline).contains(&(Field::Sms, Problem::SmsNeedsMobile)));
        let mobile = RequestInput {
            sms: true,
            email: "chen@example.cn".into(),
            ..good()
        };
        let ok = validate(&mobile, &[1], &[10]).expect("valid");
        assert!(ok.sms);
        assert_eq!(ok.email.as_deref(), Some("chen@example.cn"));
    }

    fn problems(input: &RequestInput) -> Vec<(Field, Problem)> {
        validate(input, &[1, 2], &[10, 11])
            .err()
            .unwrap_or_default()
    }

    #[test]
    fn a_good_request_passes_trimmed() {
        let mut input = good();
        input.title = "  路灯不亮 ".into();
        let req = validate(&input, &[1, 2], &[10, 11]).expect("valid");
        assert_eq!(req.title, "路灯不亮");
        assert_eq!(req.phone, "13812345678");
        assert_eq!(req.name, None);
        assert_eq!((req.category_id, req.place_id), (1, 10));
    }

    #[test]
    fn each_field_has_its_own_message() {
        type Case = (fn(&mut RequestInput), Field, Problem);
        let cases: Vec<Case> = vec![
            (
                |i| i.category = String::new(),
                Field::Category,
                Problem::Required,
            ),
            (
                |i| i.category = "99".into(),
                Field::Category,
                Problem::UnknownChoice,
            ),
            (
                |i| i.category = "x".into(),
                Field::Category,
                Problem::UnknownChoice,
            ),
            (|i| i.title = " ".into(), Field::Title, Problem::Required),
            (|i| i.title = "灯".into(), Field::Title, Problem::TooShort),
            (
                |i| i.title = "灯".repeat(61),
                Field::Title,
                Problem::TooLong,
            ),
            (
                |i| i.title = "路灯\u{0}不亮".into(),
                Field::Title,
                Problem::ControlCharacters,
            ),
            (
                |i| i.description = "太短".into(),
                Field::Description,
                Problem::TooShort,
            ),
            (
                |i| i.description = "长".repeat(2001),
                Field::Description,
                Problem::TooLong,
            ),
            (
                |i| i.place = "12".into(),
                Field::Place,
                Problem::UnknownChoice,
            ),
            (
                |i| i.address = String::new(),
                Field::Address,
                Problem::Required,
            ),
            (
                |i| i.address = "址".repeat(121),
                Field::Address,
                Problem::TooLong,
            ),
            (|i| i.name = "名".repeat(31), Field::Name, Problem::TooLong),
            (|i| i.phone = String::new(), Field::Phone, Problem::Required),
            (
                |i| i.phone = "12812345678".into(),
                Field::Phone,
                Problem::NotAPhoneNumber,
            ),
            (
                |i| i.phone = "1381234567".into(),
                Field::Phone,
                Problem::NotAPhoneNumber,
            ),
            (
                |i| i.phone = "abcdefghijk".into(),
                Field::Phone,
                Problem::NotAPhoneNumber,
            ),
            (
                |i| i.consent = false,
                Field::Consent,
                Problem::ConsentMissing,
            ),
        ];
        for (change, field, problem) in cases {
            let mut input = good();
            change(&mut input);
            assert_eq!(problems(&input), vec![(field, problem)]);
        }
    }

    #[test]
    fn multiline_descriptions_are_fine() {
        let mut input = good();
        input.description = "第一行说明情况\n第二行补充细节".into();
        assert!(validate(&input, &[1], &[10]).is_ok());
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let p = problems(&RequestInput::default());
        assert_eq!(p.len(), 7, "{p:?}");
    }
}
