//! What was already alerted, per report, in a compact text form that fits SSM parameters.
//!
//! One report's state is a few lines:
//!
//! ```text
//! driftscan.alert-state/v1
//! incomplete 5d0c8e0f3b1a2c4d
//! 3f9a0c1d2e3b4a5c 8e7d6c5b4a392817 critical us-east-1 security-group sg-db-{env} rule:db-ingress-from-anywhere
//! ```
//!
//! (fingerprint, identity, severity, region, resource type, then a label for "resolved"
//! notices). It is split into chunks of at most [`CHUNK_CHARS`] characters, each headed by a
//! generation id and its position, so a save interrupted half-way is detected on the next load
//! (and treated as "nothing alerted yet": the safe direction is to alert again).

use std::collections::BTreeMap;

use crate::model::{Finding, ResourceKind, Severity};

/// The first line of every encoded state.
pub const STATE_HEADER: &str = "driftscan.alert-state/v1";
/// Characters per chunk: an SSM Standard-tier parameter holds at most 4096.
pub const CHUNK_CHARS: usize = 4096;
/// Most chunks kept per report; beyond this the least severe entries are forgotten (and would
/// alert again: over-alerting is the safe direction).
pub const MAX_CHUNKS: usize = 50;
/// How an entry without a region writes its region.
const NO_REGION: &str = "-";
/// Longest label kept per entry.
const LABEL_CHARS: usize = 80;

/// One alerted finding, as remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    /// The finding's fingerprint (identity and values).
    pub fingerprint: String,
    /// The finding's identity (without values).
    pub identity: String,
    /// Its severity when alerted.
    pub severity: Severity,
    /// Its region.
    pub region: String,
    /// Its resource kind.
    pub resource_type: ResourceKind,
    /// What it was about, for the "resolved" notice.
    pub label: String,
    /// When it was first seen open (seconds since the epoch), where the store keeps it (the
    /// DynamoDB ledger does, the SSM chunks do not): a finding's drift age.
    pub first_seen: Option<u64>,
    /// Who made the change, as first attributed, where the store keeps it (the ledger does):
    /// a later unattributed sighting does not erase it.
    pub attribution: Option<Box<crate::model::attribution::ChangeAttribution>>,
    /// The id of its resource, where the store keeps it (the ledger does): once the finding
    /// is gone, who resolved it is looked up by it.
    pub physical_id: Option<String>,
    /// The ARN of its resource, where the store keeps it (the ledger does): a finding imported
    /// into Security Hub is archived naming the resource it was imported with.
    pub arn: Option<String>,
}

impl Remembered {
    /// Remembers `finding`.
    pub fn of(finding: &Finding) -> Self {
        let mut label = format!("{} {}", finding.kind, finding.logical_name);
        if let Some(rule) = &finding.rule_id {
            label.push_str(&format!(" rule:{rule}"));
        }
        if let Some(path) = &finding.path {
            label.push(' ');
            label.push_str(path);
        }
        Remembered {
            fingerprint: finding.fingerprint.clone(),
            identity: finding.identity(),
            severity: finding.severity,
            region: finding.region.clone(),
            resource_type: finding.resource_type,
            label: clip(&label.replace(['\n', '\r'], " "), LABEL_CHARS),
            first_seen: None,
            attribution: finding
                .attribution
                .as_ref()
                .and_then(|a| a.change())
                .map(|change| Box::new(change.clone())),
            physical_id: finding.physical_id.clone(),
            arn: finding.arn.clone(),
        }
    }
}

/// What was alerted for one report (one scan, or one comparison).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportState {
    /// Alerted findings by fingerprint.
    pub findings: BTreeMap<String, Remembered>,
    /// The signature of the failures last alerted as "incomplete", while they last.
    pub incomplete: Option<String>,
}

/// A stored state that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateDecodeError {
    /// Chunks from different saves, or a missing chunk: a save was interrupted.
    #[error("alert state chunks do not belong together ({0})")]
    Torn(String),
    /// Not a state this version wrote.
    #[error("alert state line {line}: {message}")]
    Malformed {
        /// 1-based line in the joined text.
        line: usize,
        /// What was wrong.
        message: String,
    },
}

impl ReportState {
    /// When each remembered finding was first seen (seconds since the epoch), by identity,
    /// where the store kept it.
    pub fn first_sightings(&self) -> std::collections::BTreeMap<&str, u64> {
        self.findings
            .values()
            .filter_map(|r| Some((r.identity.as_str(), r.first_seen?)))
            .collect()
    }

    /// The state as chunks for storage, each under [`CHUNK_CHARS`]; `generation` tells saves
    /// apart. Entries are most severe first, and past [`MAX_CHUNKS`] the rest are left out.
    pub fn encode(&self, generation: &str) -> Vec<String> {
        let mut lines = vec![STATE_HEADER.to_string()];
        if let Some(signature) = &self.incomplete {
            lines.push(format!("incomplete {signature}"));
        }
        let mut entries: Vec<&Remembered> = self.findings.values().collect();
        entries.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.fingerprint.cmp(&b.fingerprint))
        });
        lines.extend(entries.into_iter().map(|r| {
            format!(
                "{} {} {} {} {} {}",
                r.fingerprint,
                r.identity,
                r.severity,
                // A finding about something missing everywhere has no region: `-` keeps the
                // fields apart (an empty one made the whole state unreadable).
                if r.region.is_empty() {
                    NO_REGION
                } else {
                    r.region.as_str()
                },
                r.resource_type.as_str(),
                r.label
            )
        }));

        let mut bodies: Vec<String> = Vec::new();
        let mut current = String::new();
        // Room for the chunk header line (`#<generation> <i>/<n>`), n at most three digits.
        let budget = CHUNK_CHARS - generation.len() - 12;
        for line in lines {
            if !current.is_empty() && current.len() + line.len() + 1 > budget {
                if bodies.len() + 1 == MAX_CHUNKS {
                    tracing::warn!(
                        chunks = MAX_CHUNKS,
                        "alert state is full: the least severe findings are not remembered and will alert again"
                    );
                    bodies.push(std::mem::take(&mut current));
                    break;
                }
                bodies.push(std::mem::take(&mut current));
            }
            current.push_str(&line);
            current.push('\n');
        }
        if !current.is_empty() {
            bodies.push(current);
        }
        let total = bodies.len();
        bodies
            .into_iter()
            .enumerate()
            .map(|(i, body)| format!("#{generation} {}/{total}\n{body}", i + 1))
            .collect()
    }

    /// Reads back chunks written by [`ReportState::encode`], in order. No chunks is the empty
    /// state.
    pub fn decode(chunks: &[String]) -> Result<Self, StateDecodeError> {
        if chunks.is_empty() {
            return Ok(ReportState::default());
        }
        let mut generation = None;
        let mut text = String::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let (head, body) = chunk
                .split_once('\n')
                .ok_or_else(|| StateDecodeError::Torn(format!("chunk {} has no header", i + 1)))?;
            let (gen, position) = head
                .strip_prefix('#')
                .and_then(|h| h.split_once(' '))
                .ok_or_else(|| {
                    StateDecodeError::Torn(format!("chunk {} header `{head}`", i + 1))
                })?;
            let expected = format!("{}/{}", i + 1, chunks.len());
            if position != expected {
                return Err(StateDecodeError::Torn(format!(
                    "chunk {} says {position}",
                    i + 1
                )));
            }
            match &generation {
                None => generation = Some(gen.to_string()),
                Some(first) if first != gen => {
                    return Err(StateDecodeError::Torn(format!(
                        "generations {first} and {gen}"
                    )))
                }
                Some(_) => {}
            }
            text.push_str(body);
        }

        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, STATE_HEADER)) => {}
            other => {
                return Err(StateDecodeError::Malformed {
                    line: 1,
                    message: format!("expected `{STATE_HEADER}`, found {other:?}"),
                })
            }
        }
        let mut state = ReportState::default();
        for (index, line) in lines {
            let malformed = |message: String| StateDecodeError::Malformed {
                line: index + 1,
                message,
            };
            if let Some(signature) = line.strip_prefix("incomplete ") {
                state.incomplete = Some(signature.to_string());
                continue;
            }
            let mut fields = line.splitn(6, ' ');
            let mut next = |what: &str| {
                fields
                    .next()
                    .filter(|f| !f.is_empty())
                    .ok_or_else(|| malformed(format!("missing {what}")))
            };
            let fingerprint = next("fingerprint")?.to_string();
            let identity = next("identity")?.to_string();
            let severity = next("severity")?.parse().map_err(&malformed)?;
            let region = match next("region")? {
                NO_REGION => String::new(),
                region => region.to_string(),
            };
            let kind = next("resource type")?;
            let resource_type = ResourceKind::from_name(kind)
                .ok_or_else(|| malformed(format!("unknown resource type `{kind}`")))?;
            let label = fields.next().unwrap_or_default().to_string();
            state.findings.insert(
                fingerprint.clone(),
                Remembered {
                    fingerprint,
                    identity,
                    severity,
                    region,
                    resource_type,
                    label,
                    first_seen: None,
                    attribution: None,
                    physical_id: None,
                    arn: None,
                },
            );
        }
        Ok(state)
    }
}

/// `text` cut to at most `max` bytes on a character boundary.
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remembered(i: usize, severity: Severity) -> Remembered {
        Remembered {
            fingerprint: format!("{i:016x}"),
            identity: format!("{:016x}", i * 7),
            severity,
            region: "us-east-1".into(),
            resource_type: ResourceKind::SecurityGroup,
            label: format!("drift sg-app-{{env}} properties.ingress[{i}] with spaces"),
            first_seen: None,
            attribution: None,
            physical_id: None,
            arn: None,
        }
    }

    #[test]
    fn a_finding_without_a_region_round_trips() {
        let mut missing = remembered(1, Severity::High);
        missing.region = String::new();
        missing.label = "missing vpc-{env}".into();
        let mut state = ReportState::default();
        state
            .findings
            .insert(missing.fingerprint.clone(), missing.clone());
        let decoded = ReportState::decode(&state.encode("g")).expect("readable");
        assert_eq!(decoded, state);
    }

    fn state(n: usize) -> ReportState {
        ReportState {
            findings: (0..n)
                .map(|i| {
                    let severity = if i % 5 == 0 {
                        Severity::Critical
                    } else {
                        Severity::Low
                    };
                    let r = remembered(i, severity);
                    (r.fingerprint.clone(), r)
                })
                .collect(),
            incomplete: Some("abcdef0123456789".into()),
        }
    }

    #[test]
    fn round_trips_across_chunks() {
        let state = state(200);
        let chunks = state.encode("g1");
        assert!(chunks.len() > 1, "200 entries need several chunks");
        assert!(chunks.iter().all(|c| c.len() <= CHUNK_CHARS));
        assert_eq!(ReportState::decode(&chunks).unwrap(), state);
        assert_eq!(ReportState::decode(&[]).unwrap(), ReportState::default());
    }

    #[test]
    fn an_interrupted_save_is_detected() {
        let old = state(200).encode("old");
        let mut mixed = state(300).encode("new");
        mixed[1] = old[1].clone();
        assert!(matches!(
            ReportState::decode(&mixed),
            Err(StateDecodeError::Torn(_))
        ));
        let missing_last = &state(300).encode("g")[..2];
        assert!(matches!(
            ReportState::decode(missing_last),
            Err(StateDecodeError::Torn(_))
        ));
    }

    #[test]
    fn malformed_lines_are_reported_with_their_line() {
        let chunk = format!("#g 1/1\n{STATE_HEADER}\nabc def severe us-east-1 vpc x\n");
        let err = ReportState::decode(&[chunk]).unwrap_err();
        assert_eq!(
            err,
            StateDecodeError::Malformed {
                line: 2,
                message: "unknown severity `severe` (expected info, low, medium, high or critical)"
                    .into()
            }
        );
    }

    #[test]
    fn an_overfull_state_keeps_the_most_severe_entries() {
        let state = state(5000);
        let chunks = state.encode("g");
        assert_eq!(chunks.len(), MAX_CHUNKS);
        let kept = ReportState::decode(&chunks).unwrap();
        assert!(kept.findings.len() < 5000);
        let critical = state
            .findings
            .values()
            .filter(|r| r.severity == Severity::Critical)
            .count();
        assert!(kept.findings.len() >= critical);
        assert!(state
            .findings
            .values()
            .filter(|r| r.severity == Severity::Critical)
            .all(|r| kept.findings.contains_key(&r.fingerprint)));
    }
}
