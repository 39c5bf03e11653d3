//! Stable codes: the text a domain enum is stored as in the database and
//! written as in URLs, and the message key that names it to a person.
//! Codes never change once data has been stored under them.

use std::fmt;

/// A code that names no known value of the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode(pub String);

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown code {:?}", self.0)
    }
}

impl std::error::Error for UnknownCode {}

/// Gives a field-less enum its stable codes and message keys:
/// `ALL`, `code()`, `label_key()`, `Display` (the code) and `FromStr`.
macro_rules! codes {
    ($ty:ident { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        impl $ty {
            /// Every value, in display order.
            pub const ALL: [$ty; [$($code),+].len()] = [$($ty::$variant),+];

            /// The stable code stored in the database and used in URLs.
            pub fn code(self) -> &'static str {
                match self {
                    $($ty::$variant => $code,)+
                }
            }

            /// The message key of its name in the locale files.
            pub fn label_key(self) -> &'static str {
                match self {
                    $($ty::$variant => $label,)+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.code())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::domain::code::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($ty::$variant),)+
                    _ => Err($crate::domain::code::UnknownCode(s.to_owned())),
                }
            }
        }
    };
}
pub(crate) use codes;
