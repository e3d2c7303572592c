//! Subject attributes that cannot be written.

use crate::code::{Code, Coded, codes};
use crate::san::NameError;

codes! {
    /// The codes of [`SubjectError`] and [`FieldProblem`] (an invalid country or e-mail
    /// address reports its own [`NameCode`](crate::NameCode)).
    pub enum SubjectCode {
        /// Some attribute is invalid (each has its own code).
        Invalid = "subject.invalid",
        /// Empty or whitespace only.
        Empty = "subject.empty",
        /// Over RFC 5280's bound.
        TooLong = "subject.too_long",
        /// Holds a control character.
        ControlCharacter = "subject.control_character",
    }
}
use crate::subject::SubjectField;

/// One subject attribute that cannot be written, with the attribute it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ({}): {problem}", .field.path(), .field.short_name())]
pub struct FieldError {
    /// The attribute.
    pub field: SubjectField,
    /// What is wrong with it.
    pub problem: FieldProblem,
}

impl FieldError {
    /// The field path, as `subject.common_name`.
    pub fn path(&self) -> &'static str {
        self.field.path()
    }

    /// Stable code of the problem (`subject.empty`, `subject.too_long`, ...).
    pub fn code(&self) -> Code {
        self.problem.code()
    }
}

/// What is wrong with one subject attribute.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldProblem {
    /// Empty or whitespace only.
    #[error("empty or only whitespace")]
    Empty,
    /// Longer than RFC 5280's upper bound for the attribute.
    #[error("{len} characters; RFC 5280 allows at most {max}")]
    TooLong {
        /// Length in characters.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// Holds a control character (a tab, a line break, NUL, ...).
    #[error("holds the control character U+{0:04X}")]
    ControlCharacter(u32),
    /// The value is not a valid name of its kind (country code, e-mail address).
    #[error("{0}")]
    Invalid(NameError),
}

impl FieldProblem {
    /// Stable code: `subject.empty`, `subject.too_long`, `subject.control_character`, or the
    /// inner [`NameError`]'s code.
    pub fn code(&self) -> Code {
        match self {
            FieldProblem::Empty => SubjectCode::Empty.into(),
            FieldProblem::TooLong { .. } => SubjectCode::TooLong.into(),
            FieldProblem::ControlCharacter(_) => SubjectCode::ControlCharacter.into(),
            FieldProblem::Invalid(e) => e.code().into(),
        }
    }
}

/// Every problem found in a subject, all at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid subject: {}", join(.0))]
pub struct SubjectError(pub Vec<FieldError>);

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl SubjectError {
    /// Stable code: `subject.invalid` (each field's own code is on [`FieldError::code`]).
    pub fn code(&self) -> SubjectCode {
        SubjectCode::Invalid
    }
}

impl Coded for SubjectError {
    fn code(&self) -> &'static str {
        SubjectCode::Invalid.as_str()
    }
}

impl Coded for FieldError {
    fn code(&self) -> &'static str {
        FieldError::code(self).as_str()
    }
}
