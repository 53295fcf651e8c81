//! Placeholders for opaque values: every lease token a registry issues
//! becomes `<token-N>`, numbered by first appearance.
//!
//! Tokens are opaque (LEASE-8): backends may encode them as they like, so a
//! transcript names them by identity only. Two claims that return the same
//! token get the same placeholder, so a duplicated token still shows up as a
//! difference; nothing is ever replaced by a wildcard.

use super::yaml::Node;

/// The opaque values seen so far, in order of first appearance.
#[derive(Debug, Default, Clone)]
pub struct Placeholders {
    tokens: Vec<String>,
}

impl Placeholders {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns a lease token the registry issued (ignored when empty or known).
    pub fn learn_token(&mut self, token: &str) {
        if !token.is_empty() && !self.tokens.iter().any(|known| known == token) {
            self.tokens.push(token.to_owned());
        }
    }

    /// The placeholder of a learned token.
    pub fn placeholder(&self, token: &str) -> Option<String> {
        self.tokens
            .iter()
            .position(|known| known == token)
            .map(|index| format!("<token-{}>", index + 1))
    }

    /// `text` with every learned token replaced by its placeholder (longest
    /// tokens first, so a token that contains another is replaced whole).
    pub fn apply(&self, text: &str) -> Option<String> {
        let mut order: Vec<(usize, &String)> = self.tokens.iter().enumerate().collect();
        order.sort_by(|left, right| right.1.len().cmp(&left.1.len()).then(left.0.cmp(&right.0)));
        let mut out = text.to_owned();
        let mut changed = false;
        for (index, token) in order {
            if out.contains(token.as_str()) {
                out = out.replace(token.as_str(), &format!("<token-{}>", index + 1));
                changed = true;
            }
        }
        changed.then_some(out)
    }

    /// Replaces every learned token in every string of `node`.
    pub fn normalise(&self, node: &mut Node) {
        if self.tokens.is_empty() {
            return;
        }
        node.rewrite_strings(&mut |text| self.apply(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_numbered_by_first_appearance() {
        let mut placeholders = Placeholders::new();
        placeholders.learn_token("lt-b");
        placeholders.learn_token("lt-a");
        placeholders.learn_token("lt-b");
        assert_eq!(
            placeholders.placeholder("lt-a").as_deref(),
            Some("<token-2>")
        );
        let mut node = Node::Seq(vec![
            Node::str("lt-b"),
            Node::str("held with lt-a"),
            Node::str("lt-c"),
        ]);
        placeholders.normalise(&mut node);
        assert_eq!(
            node,
            Node::Seq(vec![
                Node::str("<token-1>"),
                Node::str("held with <token-2>"),
                Node::str("lt-c")
            ])
        );
    }
}
