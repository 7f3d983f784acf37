//! Expectations: what a baseline says a field must be, and how live values are checked.
//!
//! A declared value is one of:
//! - a literal (`true`, `7`, `"aurora-postgresql"`): equal;
//! - a literal (`true`, `7`, `"aurora-postgresql"`): equal; `null` means absent;
//! - a struct of fields (a model type such as `vpc: {name: ...}`): each declared field must
//!   match, undeclared fields are not checked;
//! - a data map (keys chosen by users: container `environment`, `secrets`, cluster `settings`,
//!   log `options`): exact, as if written `{exactly: {...}}`. The baseline loader rewrites
//!   plain maps at those places (see `schema::exact_maps`), so an added key is drift;
//! - a list: the same number of elements, each declared element matching a distinct live one
//!   (order does not matter);
//! - a matcher, a map whose keys are all operators: `equals`, `glob`, `regex`, `">="`, `">"`,
//!   `"<="`, `"<"`, `one_of`, `subset_of`, `exists`, `exactly`, `includes`. Several operators in
//!   one map must all hold (`{">=": 1, "<=": 3}`). `exactly: {map}` is a map with these keys
//!   and no others; `includes: {map}` or `includes: [list]` is "at least these keys/elements".

use regex::Regex;
use serde_json::Value;

/// Operator keys that make a map a matcher.
pub const OPERATORS: [&str; 12] = [
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
    "exactly",
    "includes",
];

/// The operator under which a data map is declared exactly: these keys and no others.
pub const EXACTLY: &str = "exactly";
/// The operator under which a map or list is declared partially: at least these.
pub const INCLUDES: &str = "includes";

/// What a key or element that the baseline does not declare is expected to be: absent.
pub fn absent() -> Value {
    serde_json::json!({"exists": false})
}

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
    /// `exactly` or `includes`: walked by [`check`], never evaluated as a whole.
    Structural,
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
        Value::Object(map) if is_matcher(value) => map.iter().try_for_each(|(op, arg)| {
            parse_matcher(op, arg)?;
            match op.as_str() {
                EXACTLY | INCLUDES => validate(arg).map_err(|e| format!("{op}: {e}")),
                _ => Ok(()),
            }
        }),
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
    value.as_object().is_some_and(is_matcher_map)
}

/// [`is_matcher`] of a map already at hand.
pub fn is_matcher_map(map: &serde_json::Map<String, Value>) -> bool {
    !map.is_empty() && map.keys().all(|k| OPERATORS.contains(&k.as_str()))
}

/// Checks `actual` (absent = `None`) against the `declared` value (already [`validate`]d),
/// collecting every mismatch under `path`. The declared value is interpreted as it is walked,
/// so a baseline keeps no second, compiled copy of itself.
pub fn check(path: &str, declared: &Value, actual: Option<&Value>, out: &mut Vec<Mismatch>) {
    let actual = actual.filter(|v| !v.is_null());
    match declared {
        Value::Object(map) if is_matcher(declared) => {
            let mut holds = true;
            for (op, arg) in map {
                match (op.as_str(), arg) {
                    (EXACTLY, Value::Object(entries)) => {
                        check_entries(path, entries, actual, false, out);
                    }
                    (INCLUDES, Value::Object(entries)) => {
                        check_entries(path, entries, actual, true, out);
                    }
                    (INCLUDES, Value::Array(items)) => match actual {
                        Some(Value::Array(live)) => check_elements(path, items, live, true, out),
                        _ => out.push(mismatch(path, declared, actual)),
                    },
                    _ => holds &= parse_matcher(op, arg).is_ok_and(|m| m.holds(actual)),
                }
            }
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
            check_elements(path, items, live, false, out);
        }
        literal => {
            if actual != Some(literal) && !(literal.is_null() && actual.is_none()) {
                out.push(mismatch(path, declared, actual));
            }
        }
    }
}

/// The entries of a data map: each declared key checked under `path.key`; with `extra_allowed`
/// false, every live key the baseline does not declare is a mismatch of its own (expected
/// absent), so the finding names the key.
fn check_entries(
    path: &str,
    entries: &serde_json::Map<String, Value>,
    actual: Option<&Value>,
    extra_allowed: bool,
    out: &mut Vec<Mismatch>,
) {
    let Some(Value::Object(live)) = actual else {
        let declared = Value::Object(entries.clone());
        out.push(mismatch(path, &declared, actual));
        return;
    };
    for (key, expected) in entries {
        check(&join(path, key), expected, live.get(key), out);
    }
    if !extra_allowed {
        for (key, value) in live
            .iter()
            .filter(|(k, v)| !entries.contains_key(*k) && !v.is_null())
        {
            out.push(Mismatch {
                path: join(path, key),
                expected: absent(),
                actual: Some(value.clone()),
            });
        }
    }
}

/// Each declared element matched by a distinct live one, in any order; with `extra_allowed`
/// false, also the same length (every live element declared).
fn check_elements(
    path: &str,
    items: &[Value],
    live: &[Value],
    extra_allowed: bool,
    out: &mut Vec<Mismatch>,
) {
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
    let mut replaced = Vec::new();
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
            (Some(_), None) => out.push(Mismatch {
                path: path.to_string(),
                expected: item.clone(),
                actual: None,
            }),
            (None, _) => replaced.push(item),
        }
    }
    // A declared element that is gone while an undeclared one took its place (a redirect turned
    // into a forward, a port changed) is one change: one finding with both. What is left over
    // on either side is missing or extra.
    let named = |j: &usize| live[*j].get("name").is_some_and(|n| !n.is_null());
    let mut extra = (0..live.len()).filter(|j| !used[*j] && !named(j));
    for item in replaced {
        let partner = if extra_allowed { None } else { extra.next() };
        out.push(Mismatch {
            path: path.to_string(),
            expected: item.clone(),
            actual: partner.map(|j| live[j].clone()),
        });
    }
    if extra_allowed {
        return;
    }
    for j in extra.chain((0..live.len()).filter(|j| !used[*j] && named(j))) {
        out.push(Mismatch {
            path: path.to_string(),
            expected: Value::Null,
            actual: Some(live[j].clone()),
        });
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
        // Structural: checked by `check` itself, element by element.
        EXACTLY if arg.is_object() => Matcher::Structural,
        INCLUDES if arg.is_object() || arg.is_array() => Matcher::Structural,
        EXACTLY => return Err(format!("`exactly` takes a map, not {arg}")),
        INCLUDES => return Err(format!("`includes` takes a map or a list, not {arg}")),
        other => return Err(format!("unknown matcher `{other}`")),
    })
}

impl Matcher {
    fn holds(&self, actual: Option<&Value>) -> bool {
        match self {
            Matcher::Exists(expected) => actual.is_some() == *expected,
            Matcher::Structural => true,
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
    fn a_replaced_element_is_one_mismatch_with_both_sides() {
        let declared = json!([{"redirect": {"protocol": "HTTPS"}}]);
        let live = json!([{"forward": {"target_groups": []}}]);
        assert_eq!(
            check(declared.clone(), Some(live.clone())),
            [Mismatch {
                path: "f".into(),
                expected: json!({"redirect": {"protocol": "HTTPS"}}),
                actual: Some(json!({"forward": {"target_groups": []}}))
            }]
        );
        let two = json!([{"forward": {"target_groups": []}}, {"fixed_response": {}}]);
        assert_eq!(check(declared, Some(two)).len(), 2, "replaced, then extra");
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
    fn exact_maps_name_each_added_removed_and_changed_key() {
        let declared = json!({"exactly": {"APP_ENV": "prod", "PORT": "8080"}});
        assert!(check(
            declared.clone(),
            Some(json!({"APP_ENV": "prod", "PORT": "8080"}))
        )
        .is_empty());
        let added = check(
            declared.clone(),
            Some(json!({"APP_ENV": "prod", "PORT": "8080", "DEBUG": "true"})),
        );
        assert_eq!(
            added,
            [Mismatch {
                path: "f.DEBUG".into(),
                expected: absent(),
                actual: Some(json!("true"))
            }]
        );
        let removed = check(declared.clone(), Some(json!({"APP_ENV": "prod"})));
        assert_eq!((removed.len(), removed[0].path.as_str()), (1, "f.PORT"));
        assert_eq!(removed[0].actual, None);
        let changed = check(
            declared.clone(),
            Some(json!({"APP_ENV": "dev", "PORT": "8080"})),
        );
        assert_eq!((changed.len(), changed[0].path.as_str()), (1, "f.APP_ENV"));
        assert_eq!(check(declared, None).len(), 1, "no map at all");
        // Values inside an exact map may be matchers.
        assert!(check(
            json!({"exactly": {"region": {"glob": "us-*"}}}),
            Some(json!({"region": "us-east-1"}))
        )
        .is_empty());
        assert!(
            check(json!({"exactly": {}}), Some(json!({}))).is_empty(),
            "an empty exact map"
        );
        assert_eq!(
            check(json!({"exactly": {}}), Some(json!({"a": "1"}))).len(),
            1
        );
    }

    #[test]
    fn includes_accepts_other_keys_and_elements() {
        let declared = json!({"includes": {"Environment": "prod"}});
        assert!(check(
            declared.clone(),
            Some(json!({"Environment": "prod", "Owner": "x"}))
        )
        .is_empty());
        assert_eq!(
            check(declared, Some(json!({"Owner": "x"})))[0].path,
            "f.Environment"
        );
        let declared = json!({"includes": [443]});
        assert!(check(declared.clone(), Some(json!([80, 443]))).is_empty());
        assert_eq!(check(declared, Some(json!([80]))).len(), 1);
    }

    #[test]
    fn exact_maps_inside_named_list_elements() {
        let declared = json!([{"name": "app", "environment": {"exactly": {"PORT": "8080"}}}]);
        let live = json!([{"name": "app", "image": "x", "environment": {"PORT": "8080", "DEBUG": "true"}}]);
        let out = check(declared, Some(live));
        assert_eq!(
            out,
            [Mismatch {
                path: "f[app].environment.DEBUG".into(),
                expected: absent(),
                actual: Some(json!("true"))
            }]
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
        assert!(err(json!({"exactly": [1]})).contains("`exactly` takes a map"));
        assert!(err(json!({"includes": 3})).contains("`includes` takes a map or a list"));
        assert!(
            err(json!({"exactly": {"a": {"regex": "("}}})).starts_with("exactly: a: invalid regex")
        );
    }
}
