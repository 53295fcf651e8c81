//! Values of one record part that a connection carried inline, numbered
//! in the order carried, so that a later record can name an equal one by
//! its number instead of carrying it again (see `known_records`).

use super::MAX_NUMBERED_PARTS;
use std::sync::Arc;

/// The numbered values of one part; both ends of a connection keep one
/// per part and number the same values, because they see the same answers
/// in the same order.
pub(crate) struct Numbered<T: ?Sized> {
    values: Vec<Arc<T>>,
}

impl<T: ?Sized> Default for Numbered<T> {
    fn default() -> Self {
        Self { values: Vec::new() }
    }
}

impl<T: PartialEq + ?Sized> Numbered<T> {
    /// The server side: the number of a value equal to `value`, or else
    /// `None`, and `value` is numbered next (while there is room), since
    /// it is about to be carried inline.
    pub(crate) fn number_or_carry(&mut self, value: &Arc<T>) -> Option<usize> {
        let number = self
            .values
            .iter()
            .position(|known| Arc::ptr_eq(known, value) || **known == **value);
        if number.is_none() {
            self.carried(value);
        }
        number
    }

    /// The client side: a part a record carried whole, `inline` (numbered
    /// next, while there is room) or by `number`; `None` when it carried
    /// neither. `part` names it in errors (`event type list`, `provenance`).
    pub(crate) fn restore(
        &mut self,
        part: &str,
        inline: Option<Arc<T>>,
        number: Option<usize>,
    ) -> Result<Option<Arc<T>>, String> {
        match (inline, number) {
            (Some(_), Some(_)) => Err(format!("carries its {part} both inline and by number")),
            (Some(value), None) => {
                self.carried(&value);
                Ok(Some(value))
            }
            (None, Some(number)) => self.values.get(number).cloned().map(Some).ok_or_else(|| {
                format!("names {part} {number}, which this connection never carried")
            }),
            (None, None) => Ok(None),
        }
    }

    /// `value` was carried inline, so it takes the next number (while there is room).
    fn carried(&mut self, value: &Arc<T>) {
        if self.values.len() < MAX_NUMBERED_PARTS {
            self.values.push(value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_the_number_of_the_first_carried() {
        let mut server = Numbered::<str>::default();
        let mut client = Numbered::<str>::default();
        for (value, expected) in [("a", None), ("b", None), ("a", Some(0)), ("b", Some(1))] {
            let value: Arc<str> = Arc::from(value);
            let number = server.number_or_carry(&value);
            assert_eq!(number, expected, "{value}");
            let inline = number.is_none().then(|| value.clone());
            let restored = client.restore("value", inline, number).expect("restored");
            assert_eq!(restored, Some(value));
        }
        assert_eq!(client.restore("value", None, None), Ok(None));
        let both = client.restore("value", Some(Arc::from("a")), Some(0));
        assert!(both
            .expect_err("refused")
            .contains("both inline and by number"));
        let unknown = client.restore("value", None, Some(2));
        assert_eq!(
            unknown.expect_err("refused"),
            "names value 2, which this connection never carried"
        );
    }

    #[test]
    fn past_the_limit_new_values_are_not_numbered() {
        let mut numbered = Numbered::<str>::default();
        for n in 0..MAX_NUMBERED_PARTS {
            assert_eq!(numbered.number_or_carry(&Arc::from(n.to_string())), None);
        }
        let extra: Arc<str> = Arc::from("extra");
        assert_eq!(numbered.number_or_carry(&extra), None);
        assert_eq!(
            numbered.number_or_carry(&extra),
            None,
            "still carried inline"
        );
        assert_eq!(numbered.number_or_carry(&Arc::from("0")), Some(0));
        let past = numbered.restore("value", None, Some(MAX_NUMBERED_PARTS));
        assert!(past.is_err(), "no number past the limit");
    }
}
