//! What the YAML reader's errors say, made to read well after a `file:line:column:` prefix.

/// Whether a YAML text holds no document at all: nothing, or only blank lines and comments.
pub(crate) fn is_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---"
    })
}

/// The 1-based line and column of a YAML error (0 when unknown) and what is wrong, without the
/// reader's own `error: line L column C:` prefix, in words a baseline author knows.
pub(crate) fn located(error: &serde_saphyr::Error) -> (u64, u64, String) {
    let (line, column) = error
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((0, 0));
    let text = error.to_string();
    let first = text.lines().next().unwrap_or(&text).trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let prefix = format!("line {line} column {column}: ");
    let message = first.strip_prefix(prefix.as_str()).unwrap_or(first);
    let message = match message {
        "expected mapping start" => "expected a mapping (`key: value` pairs) here".to_string(),
        "expected sequence start" => "expected a list here".to_string(),
        other => match other.strip_prefix("budget breached: ") {
            // Anchors and aliases that would expand past the reader's budget: a YAML bomb.
            Some(budget) => {
                format!("too large once its anchors and aliases are expanded (refused at {budget})")
            }
            None => other.to_string(),
        },
    };
    (line, column, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> serde_saphyr::Error {
        serde_saphyr::from_str::<
            std::collections::BTreeMap<String, std::collections::BTreeMap<String, u32>>,
        >(text)
        .unwrap_err()
    }

    #[test]
    fn comments_alone_are_no_document() {
        assert!(is_blank(""));
        assert!(is_blank("\n  \n# nothing yet\n  # indented\n---\n"));
        assert!(!is_blank("# a comment\nkey: value\n"));
    }

    #[test]
    fn the_location_is_kept_once_and_the_message_is_plain() {
        let (line, column, message) = located(&error("a:\n  b: [1, 2]\n"));
        assert_eq!((line, column), (2, 6), "{message}");
        assert!(!message.starts_with("error:"), "{message}");
        assert!(!message.contains("line 2"), "{message}");
        let (line, _, message) = located(&error("a: [1]\n"));
        assert_eq!(line, 1);
        assert_eq!(message, "expected a mapping (`key: value` pairs) here");
    }
}
