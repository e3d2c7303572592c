//! Stable machine-readable codes: the [`Coded`] trait every error implements, the [`Code`] a
//! rule violation carries, and the per-area code enums' common shape.
//!
//! Each area of the crate has its own code enum (`KeyCode`, `NameCode`, `policy::PolicyCode`,
//! `backend::StoreCode`, ...). A variant's string is its serialized form and never changes
//! between releases; the enum's documentation lists every code of its area. This module
//! imports nothing from the rest of the crate, so every layer can use it.

use std::fmt;

/// An error with a stable machine-readable code: one way for embedders to read a code from any
/// layer's error.
///
/// ```
/// use certdesk::{Coded, Csr};
///
/// fn code_of(e: &dyn Coded) -> &'static str {
///     e.code()
/// }
/// let e = Csr::parse(b"hello").unwrap_err();
/// assert_eq!(code_of(&e), "not_a_csr");
/// ```
pub trait Coded: std::error::Error {
    /// The stable code, as the API answers with it (`key.wrong_password`, `store.conflict`).
    fn code(&self) -> &'static str;
}

/// A code from one of the area enums, as a rule violation (`policy::Violation`) carries it. Made only from those enums, so it is always one of the documented codes; compares equal
/// to its string and serializes as it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(&'static str);

impl Code {
    /// The code's string (`country.unknown`).
    pub const fn as_str(self) -> &'static str {
        self.0
    }

    /// Made by the area enums' `From` impls only.
    pub(crate) const fn from_static(code: &'static str) -> Code {
        Code(code)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.0)
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.0
    }
}

impl From<Code> for &'static str {
    fn from(code: Code) -> &'static str {
        code.0
    }
}

/// Declares an area's code enum: each variant with its stable string, `as_str`, `ALL`,
/// `Display`, `FromStr`, serde as the string, comparison with `&str`, and `Into<Code>`.
macro_rules! codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* #[doc = concat!("\n\n`", $code, "`")] $variant, )*
        }

        impl $name {
            /// Every code of this area, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The code's stable string.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $code, )*
                }
            }

            /// The code as a [`Code`]($crate::Code) (usable in constants).
            #[allow(dead_code)]
            pub const fn to_code(self) -> $crate::code::Code {
                $crate::code::Code::from_static(self.as_str())
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::code::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $code => Ok($name::$variant), )*
                    _ => Err($crate::code::UnknownCode(s.to_owned())),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(::serde::de::Error::custom)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.as_str()
            }
        }

        impl PartialEq<$name> for $crate::code::Code {
            fn eq(&self, other: &$name) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl From<$name> for &'static str {
            fn from(code: $name) -> &'static str {
                code.as_str()
            }
        }

        impl From<$name> for $crate::code::Code {
            fn from(code: $name) -> $crate::code::Code {
                $crate::code::Code::from_static(code.as_str())
            }
        }
    };
}
pub(crate) use codes;

/// A string that is none of an area's codes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown code {0:?}")]
pub struct UnknownCode(pub String);

#[cfg(test)]
#[allow(unreachable_pub)]
mod tests {
    use super::*;

    codes! {
        /// Test codes.
        enum TestCode {
            /// One.
            One = "test.one",
            /// Two.
            Two = "test.two",
        }
    }

    #[test]
    fn codes_round_trip_through_their_strings() {
        for code in TestCode::ALL {
            assert_eq!(code.as_str().parse::<TestCode>().unwrap(), *code);
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<TestCode>(&json).unwrap(), *code);
        }
        assert_eq!(TestCode::Two, "test.two");
        assert_eq!(Code::from(TestCode::One), "test.one");
        assert!("test.three".parse::<TestCode>().is_err());
    }
}
