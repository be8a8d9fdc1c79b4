//! Kleene's strong three-valued logic, and the verdicts it yields.

use std::fmt;
use std::ops::Not;

/// A three-valued truth value: true, false, or unknown.
///
/// ```
/// use prereq::Tri;
/// assert_eq!(Tri::all([Tri::False, Tri::Unknown]), Tri::False);
/// assert_eq!(Tri::any([Tri::True, Tri::Unknown]), Tri::True);
/// assert_eq!(!Tri::Unknown, Tri::Unknown);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tri {
    /// Definitely false.
    False,
    /// Not known: some fact it depends on is unknown.
    Unknown,
    /// Definitely true.
    True,
}

impl Tri {
    /// Kleene conjunction: false if any is false, else unknown if any is unknown.
    /// (With the order False < Unknown < True, this is the minimum.)
    pub fn all(values: impl IntoIterator<Item = Tri>) -> Tri {
        let mut result = Tri::True;
        for value in values {
            if value == Tri::False {
                return Tri::False;
            }
            result = result.min(value);
        }
        result
    }

    /// Kleene disjunction: true if any is true, else unknown if any is unknown.
    pub fn any(values: impl IntoIterator<Item = Tri>) -> Tri {
        let mut result = Tri::False;
        for value in values {
            if value == Tri::True {
                return Tri::True;
            }
            result = result.max(value);
        }
        result
    }

    /// Kleene `and` of two values: the lesser (False < Unknown < True).
    ///
    /// ```
    /// use prereq::Tri;
    /// assert_eq!(Tri::True.and(Tri::Unknown), Tri::Unknown);
    /// assert_eq!(Tri::False.and(Tri::Unknown), Tri::False);
    /// ```
    #[inline]
    pub fn and(self, other: Tri) -> Tri {
        self.min(other)
    }

    /// Kleene `or` of two values: the greater (False < Unknown < True).
    ///
    /// ```
    /// use prereq::Tri;
    /// assert_eq!(Tri::True.or(Tri::Unknown), Tri::True);
    /// assert_eq!(Tri::False.or(Tri::Unknown), Tri::Unknown);
    /// ```
    #[inline]
    pub fn or(self, other: Tri) -> Tri {
        self.max(other)
    }

    /// The value, if known.
    ///
    /// ```
    /// use prereq::Tri;
    /// assert_eq!(Tri::True.known(), Some(true));
    /// assert_eq!(Tri::Unknown.known(), None);
    /// ```
    #[inline]
    pub fn known(self) -> Option<bool> {
        match self {
            Tri::False => Some(false),
            Tri::Unknown => None,
            Tri::True => Some(true),
        }
    }

    /// Equivalence: unknown if either side is unknown.
    #[inline]
    pub fn iff(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            (a, b) => Tri::from(a == b),
        }
    }
}

impl From<bool> for Tri {
    #[inline]
    fn from(value: bool) -> Tri {
        if value { Tri::True } else { Tri::False }
    }
}

/// A fact that may be unknown: `None` is [`Tri::Unknown`].
///
/// ```
/// use prereq::Tri;
/// assert_eq!(Tri::from(Some(true)), Tri::True);
/// assert_eq!(Tri::from(None::<bool>), Tri::Unknown);
/// ```
impl From<Option<bool>> for Tri {
    #[inline]
    fn from(value: Option<bool>) -> Tri {
        value.map_or(Tri::Unknown, Tri::from)
    }
}

impl Not for Tri {
    type Output = Tri;

    #[inline]
    fn not(self) -> Tri {
        match self {
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
            Tri::True => Tri::False,
        }
    }
}

/// The verdict of a rule: whether its preconditions hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The rule holds.
    Satisfied,
    /// The rule does not hold.
    Unsatisfied,
    /// Unknown facts decide whether it holds.
    Undetermined,
}

impl Verdict {
    /// The verdict as a word: `satisfied`, `unsatisfied`, `undetermined`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Satisfied => "satisfied",
            Verdict::Unsatisfied => "unsatisfied",
            Verdict::Undetermined => "undetermined",
        }
    }
}

impl From<Tri> for Verdict {
    fn from(value: Tri) -> Verdict {
        match value {
            Tri::True => Verdict::Satisfied,
            Tri::False => Verdict::Unsatisfied,
            Tri::Unknown => Verdict::Undetermined,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
