//! Domain enums at the database boundary. Each is stored as its stable
//! code in a text column and read back into the enum, so no state, channel
//! or event kind travels through the program as a string. A code that is
//! not one of the enum's (a row written by hand) fails to load with a
//! clear error instead of being carried along.
//!
//! The impls are written here rather than derived on the types, because
//! `domain` does not depend on Diesel.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::money::Entry;
use crate::domain::{Channel, EventKind, Rating, Role, Source, State, UnitKind};

macro_rules! text_enum {
    ($($ty:ty),+ $(,)?) => {$(
        impl<DB: Backend> FromSql<Text, DB> for $ty
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let code = String::from_sql(bytes)?;
                Ok(code.parse::<$ty>()?)
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $ty
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.code(), out)
            }
        }

        impl<DB: Backend> Queryable<Text, DB> for $ty
        where
            $ty: FromSql<Text, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        // Bound as the value itself, written as its code by `ToSql` above
        // (what Diesel's own `AsExpression` derive generates).
        impl AsExpression<Text> for $ty {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $ty {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $ty {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $ty {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<DB: Backend> ToSql<Nullable<Text>, DB> for $ty
        where
            $ty: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <$ty as ToSql<Text, DB>>::to_sql(self, out)
            }
        }
    )+};
}

text_enum!(
    State, Channel, Source, Role, UnitKind, Rating, Entry, EventKind
);
