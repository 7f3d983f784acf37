//! Expectations: what a baseline says a field must be, and how live values are checked.
//!
//! A declared value is one of:
//! - a literal (`true`, `7`, `"aurora-postgresql"`): equal;
//! - a map of fields: each declared field must match, undeclared ones are not checked;
//! - a list: the same number of elements, each declared element matching a distinct live one
//!   (order does not matter);
//! - a matcher, a map whose keys are all operators: `equals`, `glob`, `regex`, `">="`, `">"`,
//!   `"<="`, `"<"`, `one_of`, `subset_of`, `exists`. Several operators in one map must all hold
//!   (`{">=": 1, "<=": 3}`).

use regex::Regex;
use serde_json::Value;

/// Operator keys that make a map a matcher.
pub const OPERATORS: [&str; 10] = [
    "equals",
    "glob",
    "regex",
    ">=",
    ">",
    "<=",
    "<",
    "one_of",
    "subset_of",
    "exists",
];

/// One operator of a matcher map.
#[derive(Debug, Clone)]
enum Matcher {
    /// Equal to the value.
    Equals(Value),
    /// A string matching the pattern (globs are compiled to anchored regexes).
    Pattern {
        /// The pattern as declared.
        #[allow(dead_code)]
        source: String,
        /// The compiled pattern.
        regex: Regex,
    },
    /// A number compared with a bound.
    Compare(Comparison, f64),
    /// Equal to one of the values.
    OneOf(Vec<Value>),
    /// A list whose every element is among the values.
    SubsetOf(Vec<Value>),
    /// Present (non-null) or absent.
    Exists(bool),
}

/// A numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    AtLeast,
    Above,
    AtMost,
    Below,
}

/// A field that does not meet its expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Dotted path from the expectation's root (`ingress`, `containers[trading-app].image`).
    pub path: String,
    /// What was expected (the declared value or matcher; `null` for an unexpected element).
    pub expected: Value,
    /// What was found (`None` when absent).
    pub actual: Option<Value>,
}

/// Converts a glob (`*` any run, `?` one character) into an anchored regex.
pub fn glob_to_regex(glob: &str) -> Result<Regex, regex::Error> {
    let mut pattern = String::from("^");
    for c in glob.chars() {
        match c {
            '*' => pattern.push_str(".*"),
            '?' => pattern.push('.'),
            c => pattern.push_str(&regex::escape(&c.to_string())),
        }
    }
    pattern.push('$');
    build(&pattern)
}

/// The most memory one compiled baseline pattern may take (the regex crate's default is 10 MiB;
/// a pattern a baseline needs compiles to a few KiB).
pub const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// Compiles a baseline pattern under [`PATTERN_SIZE_LIMIT`].
pub(crate) fn build(pattern: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
}

/// Checks that a declared value is a valid expectation: matchers well formed, patterns compile.
/// Errors name the field, operator or pattern that is wrong.
pub fn validate(value: &Value) -> Result<(), String> {
    match value {
        Value::Object(map) if is_matcher(value) => map
            .iter()
            .try_for_each(|(op, arg)| parse_matcher(op, arg).map(drop)),
        Value::Object(map) => {
            if let Some(op) = map.keys().find(|k| OPERATORS.contains(&k.as_str())) {
                return Err(format!(
                    "`{op}` is a matcher operator, but this map also has field names; put the matcher under its field"
                ));
            }
            map.iter()
                .try_for_each(|(k, v)| validate(v).map_err(|e| format!("{k}: {e}")))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| validate(v).map_err(|e| format!("[{i}]: {e}"))),
        _ => Ok(()),
    }
}

/// Whether a declared value is a matcher: a non-empty map whose keys are all operators.
pub fn is_matcher(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|map| !map.is_empty() && map.keys().all(|k| OPERATORS.contains(&k.as_str())))
}

/// Checks `actual` (absent = `None`) against the `declared` value (already [`validate`]d),
/// collecting every mismatch under `path`. The declared value is interpreted as it is walked,
/// so a baseline keeps no second, compiled copy of itself.
pub fn check(path: &str, declared: &Value, actual: Option<&Value>, out: &mut Vec<Mismatch>) {
    let actual = actual.filter(|v| !v.is_null());
    match declared {
        Value::Object(map) if is_matcher(declared) => {
            let holds = map
                .iter()
                .all(|(op, arg)| parse_matcher(op, arg).is_ok_and(|m| m.holds(actual)));
            if !holds {
                out.push(mismatch(path, declared, actual));
            }
        }
        Value::Object(fields) => {
            let Some(Value::Object(live)) = actual else {
                out.push(mismatch(path, declared, actual));
                return;
            };
            for (name, expected) in fields {
                check(&join(path, name), expected, live.get(name), out);
            }
        }
        Value::Array(items) => {
            let Some(Value::Array(live)) = actual else {
                out.push(mismatch(path, declared, actual));
                return;
            };
            check_elements(path, items, live, out);
        }
        literal => {
            if actual != Some(literal) && !(literal.is_null() && actual.is_none()) {
                out.push(mismatch(path, declared, actual));
            }
        }
    }
}

/// Same length, each declared element matched by a distinct live one, in any order.
fn check_elements(path: &str, items: &[Value], live: &[Value], out: &mut Vec<Mismatch>) {
    let mut used = vec![false; live.len()];
    let mut unmatched = Vec::new();
    for item in items {
        let found = live.iter().enumerate().position(|(j, candidate)| {
            !used[j] && {
                let mut probe = Vec::new();
                check("", item, Some(candidate), &mut probe);
                probe.is_empty()
            }
        });
        match found {
            Some(j) => used[j] = true,
            None => unmatched.push(item),
        }
    }
    // An unmatched element with a `name` (a container, say) is compared field by field with the
    // live element of that name, so the finding names the field.
    for item in unmatched {
        let name = item.get("name").and_then(Value::as_str);
        let partner = name.and_then(|name| {
            live.iter()
                .enumerate()
                .position(|(j, c)| !used[j] && c.get("name").and_then(Value::as_str) == Some(name))
        });
        match (name, partner) {
            (Some(name), Some(j)) => {
                used[j] = true;
                check(&format!("{path}[{name}]"), item, Some(&live[j]), out);
            }
            _ => out.push(Mismatch {
                path: path.to_string(),
                expected: item.clone(),
                actual: None,
            }),
        }
    }
    for (j, candidate) in live.iter().enumerate() {
        if !used[j] {
            out.push(Mismatch {
                path: path.to_string(),
                expected: Value::Null,
                actual: Some(candidate.clone()),
            });
        }
    }
}

type PatternCache = std::sync::Mutex<std::collections::HashMap<(bool, String), Regex>>;
static PATTERNS: std::sync::OnceLock<PatternCache> = std::sync::OnceLock::new();

/// How many compiled patterns are kept. Baselines use tens; a process that reads many baselines
/// over its life (the Lambda, a fuzzer) must not keep every pattern it ever saw.
const MAX_CACHED_PATTERNS: usize = 256;

/// Compiled patterns, shared: the same few patterns recur across thousands of resources. The
/// cache is emptied when full, so it holds at most [`MAX_CACHED_PATTERNS`].
fn compiled(glob: bool, source: &str) -> Result<Regex, String> {
    let cache = PATTERNS.get_or_init(Default::default);
    let key = (glob, source.to_string());
    if let Some(regex) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(regex);
    }
    let regex = if glob {
        glob_to_regex(source).map_err(|e| format!("invalid glob `{source}`: {e}"))?
    } else {
        build(source).map_err(|e| format!("invalid regex `{source}`: {e}"))?
    };
    if let Ok(mut cache) = cache.lock() {
        if cache.len() >= MAX_CACHED_PATTERNS {
            cache.clear();
        }
        cache.insert(key, regex.clone());
    }
    Ok(regex)
}

fn mismatch(path: &str, declared: &Value, actual: Option<&Value>) -> Mismatch {
    Mismatch {
        path: path.to_string(),
        expected: declared.clone(),
        actual: actual.cloned(),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn parse_matcher(op: &str, arg: &Value) -> Result<Matcher, String> {
    let number = || {
        arg.as_f64()
            .ok_or_else(|| format!("`{op}` takes a number, not {arg}"))
    };
    let list = || {
        arg.as_array()
            .cloned()
            .ok_or_else(|| format!("`{op}` takes a list, not {arg}"))
    };
    let text = || {
        arg.as_str()
            .ok_or_else(|| format!("`{op}` takes a string, not {arg}"))
    };
    Ok(match op {
        "equals" => Matcher::Equals(arg.clone()),
        "glob" | "regex" => {
            let source = text()?;
            Matcher::Pattern {
                source: source.to_string(),
                regex: compiled(op == "glob", source)?,
            }
        }
        ">=" => Matcher::Compare(Comparison::AtLeast, number()?),
        ">" => Matcher::Compare(Comparison::Above, number()?),
        "<=" => Matcher::Compare(Comparison::AtMost, number()?),
        "<" => Matcher::Compare(Comparison::Below, number()?),
        "one_of" => Matcher::OneOf(list()?),
        "subset_of" => Matcher::SubsetOf(list()?),
        "exists" => Matcher::Exists(
            arg.as_bool()
                .ok_or_else(|| format!("`exists` takes true or false, not {arg}"))?,
        ),
        other => return Err(format!("unknown matcher `{other}`")),
    })
}

impl Matcher {
    fn holds(&self, actual: Option<&Value>) -> bool {
        match self {
            Matcher::Exists(expected) => actual.is_some() == *expected,
            Matcher::Equals(expected) => actual == Some(expected),
            Matcher::Pattern { regex, .. } => actual
                .and_then(Value::as_str)
                .is_some_and(|s| regex.is_match(s)),
            Matcher::Compare(comparison, bound) => {
                // Numbers, and numeric strings such as SSM values or ECS CPU units.
                let value = actual.and_then(|v| {
                    v.as_f64()
                        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                });
                value.is_some_and(|v| match comparison {
                    Comparison::AtLeast => v >= *bound,
                    Comparison::Above => v > *bound,
                    Comparison::AtMost => v <= *bound,
                    Comparison::Below => v < *bound,
                })
            }
            Matcher::OneOf(values) => actual.is_some_and(|a| values.contains(a)),
            Matcher::SubsetOf(values) => actual
                .and_then(Value::as_array)
                .is_some_and(|items| items.iter().all(|i| values.contains(i))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(declared: Value, actual: Option<Value>) -> Vec<Mismatch> {
        validate(&declared).expect("valid expectation");
        let mut out = Vec::new();
        super::check("f", &declared, actual.as_ref(), &mut out);
        out
    }

    #[test]
    fn literals_must_be_equal() {
        assert!(check(json!(7), Some(json!(7))).is_empty());
        assert_eq!(check(json!(7), Some(json!(1))).len(), 1);
        assert_eq!(check(json!("a"), None)[0].actual, None);
        assert!(check(json!(null), None).is_empty(), "null expects absence");
    }

    #[test]
    fn numeric_bounds() {
        assert!(check(json!({">=": 7}), Some(json!(7))).is_empty());
        assert!(check(json!({">=": 7}), Some(json!(30))).is_empty());
        assert_eq!(check(json!({">=": 7}), Some(json!(1))).len(), 1);
        assert!(check(json!({">": 1, "<=": 3}), Some(json!(3))).is_empty());
        assert_eq!(check(json!({">": 1, "<=": 3}), Some(json!(1))).len(), 1);
        assert!(
            check(json!({"<": 100}), Some(json!("60"))).is_empty(),
            "numeric strings compare"
        );
        assert_eq!(check(json!({"<": 100}), Some(json!("lots"))).len(), 1);
        assert_eq!(
            check(json!({">=": 1}), None).len(),
            1,
            "absent is not a number"
        );
    }

    #[test]
    fn patterns() {
        assert!(check(json!({"glob": "staging-*"}), Some(json!("staging-4f2a9c1"))).is_empty());
        assert_eq!(
            check(json!({"glob": "staging-*"}), Some(json!("latest"))).len(),
            1
        );
        assert_eq!(
            check(json!({"glob": "v?.1"}), Some(json!("v1.10"))).len(),
            1,
            "globs are anchored"
        );
        assert!(check(
            json!({"regex": "^v\\d+\\.\\d+\\.\\d+$"}),
            Some(json!("v1.4.2"))
        )
        .is_empty());
        assert_eq!(
            check(json!({"regex": "^v\\d+$"}), Some(json!(3))).len(),
            1,
            "numbers are not strings"
        );
        assert!(check(json!({"glob": "a.b"}), Some(json!("a.b"))).is_empty());
        assert_eq!(
            check(json!({"glob": "a.b"}), Some(json!("axb"))).len(),
            1,
            "glob dots are literal"
        );
    }

    #[test]
    fn sets_and_existence() {
        assert!(check(
            json!({"one_of": ["db.r6g.large", "db.r6g.xlarge"]}),
            Some(json!("db.r6g.large"))
        )
        .is_empty());
        assert_eq!(check(json!({"one_of": [1, 2]}), Some(json!(3))).len(), 1);
        assert!(check(json!({"subset_of": [80, 443]}), Some(json!([443]))).is_empty());
        assert_eq!(
            check(json!({"subset_of": [80, 443]}), Some(json!([443, 22]))).len(),
            1
        );
        assert!(check(json!({"exists": true}), Some(json!("x"))).is_empty());
        assert_eq!(check(json!({"exists": true}), None).len(), 1);
        assert!(check(json!({"exists": false}), None).is_empty());
        assert!(check(json!({"equals": {"glob": "*"}}), Some(json!({"glob": "*"}))).is_empty());
    }

    #[test]
    fn maps_are_partial_and_report_the_deepest_path() {
        let declared = json!({"vpc": {"name": "vpc-prod"}, "main": true});
        let live =
            json!({"vpc": {"id": "vpc-1", "name": "vpc-staging"}, "main": true, "routes": []});
        let out = check(declared, Some(live));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].path, "f.vpc.name");
        assert_eq!(out[0].expected, json!("vpc-prod"));
        assert_eq!(out[0].actual, Some(json!("vpc-staging")));
    }

    #[test]
    fn lists_match_as_multisets_and_name_extra_and_missing_elements() {
        let rule = |port: u16| json!({"protocol": "tcp", "from_port": port, "peer": {"cidr": "0.0.0.0/0"}});
        let declared = json!([rule(80), rule(443)]);
        assert!(
            check(declared.clone(), Some(json!([rule(443), rule(80)]))).is_empty(),
            "order is free"
        );
        let out = check(
            declared.clone(),
            Some(json!([rule(443), rule(80), rule(5432)])),
        );
        assert_eq!(
            out,
            [Mismatch {
                path: "f".into(),
                expected: Value::Null,
                actual: Some(rule(5432))
            }]
        );
        let out = check(declared, Some(json!([rule(443)])));
        assert_eq!(
            out,
            [Mismatch {
                path: "f".into(),
                expected: rule(80),
                actual: None
            }]
        );
        assert_eq!(
            check(json!([1, 1]), Some(json!([1]))).len(),
            1,
            "duplicates count"
        );
    }

    #[test]
    fn named_elements_are_compared_field_by_field() {
        let declared = json!([{"name": "app", "image": "repo:v1", "essential": true}]);
        let live = json!([{"name": "app", "image": "repo:v2", "essential": true}, ]);
        let out = check(declared.clone(), Some(live));
        assert_eq!(
            out,
            [Mismatch {
                path: "f[app].image".into(),
                expected: json!("repo:v1"),
                actual: Some(json!("repo:v2"))
            }]
        );
        let renamed = json!([{"name": "web", "image": "repo:v1", "essential": true}]);
        assert_eq!(
            check(declared, Some(renamed)).len(),
            2,
            "no partner: missing and extra"
        );
    }

    #[test]
    fn the_pattern_cache_stays_bounded() {
        for i in 0..3 * MAX_CACHED_PATTERNS {
            assert!(compiled(i % 2 == 0, &format!("^pattern-{i}-[a-z]+$")).is_ok());
            let cached = PATTERNS.get().map_or(0, |c| c.lock().unwrap().len());
            assert!(cached <= MAX_CACHED_PATTERNS, "{cached} after {i}");
        }
        // Patterns are still right after the cache was emptied.
        assert!(check(
            json!({"regex": "^pattern-1-[a-z]+$"}),
            Some(json!("pattern-1-x"))
        )
        .is_empty());
    }

    #[test]
    fn oversized_patterns_are_refused() {
        // 100 Unicode word characters compile within the regex crate's default 10 MiB, not
        // within the 1 MiB a baseline pattern is allowed.
        let err = validate(&json!({"regex": "\\w{100}"})).unwrap_err();
        assert!(err.contains("size limit"), "{err}");
        let err = validate(&json!({"glob": "?".repeat(200_000)})).unwrap_err();
        assert!(err.contains("invalid glob"), "{err}");
    }

    #[test]
    fn invalid_expectations_are_rejected_with_what_is_wrong() {
        let err = |v: Value| validate(&v).unwrap_err();
        assert!(err(json!({"regex": "("})).contains("invalid regex `(`"));
        assert!(err(json!({">=": "seven"})).contains("takes a number"));
        assert!(err(json!({"one_of": 3})).contains("takes a list"));
        assert!(err(json!({"exists": "yes"})).contains("true or false"));
        assert!(err(json!({"glob": "x", "name": "y"})).contains("matcher operator"));
        assert!(err(json!({"a": [{"regex": "["}]})).starts_with("a: [0]: invalid regex"));
    }
}
