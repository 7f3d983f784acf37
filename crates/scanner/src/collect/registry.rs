//! The one list of collectors. A new service is one module plus one line here.

use super::ec2::Ec2Collector;
use super::ecs::EcsCollector;
use super::elbv2::Elbv2Collector;
use super::rds::RdsCollector;
use super::s3::S3Collector;
use super::ssm::SsmCollector;
use super::Collector;
use crate::model::Service;

static COLLECTORS: [&dyn Collector; 6] = [
    &Ec2Collector,
    &EcsCollector,
    &RdsCollector,
    &SsmCollector,
    &Elbv2Collector,
    &S3Collector,
];

/// Every collector, one per service.
pub fn collectors() -> &'static [&'static dyn Collector] {
    &COLLECTORS
}

/// The collector of `service`.
pub fn collector_for(service: Service) -> &'static dyn Collector {
    COLLECTORS
        .iter()
        .copied()
        .find(|c| c.service() == service)
        .expect("every service has a collector")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::model::ResourceKind;

    #[test]
    fn every_kind_has_exactly_one_collector_of_its_service() {
        let mut seen = HashSet::new();
        for collector in collectors() {
            for kind in collector.kinds() {
                assert_eq!(kind.service(), collector.service(), "{kind}");
                assert!(seen.insert(*kind), "{kind} is collected twice");
            }
        }
        assert_eq!(
            seen.len(),
            ResourceKind::ALL.len(),
            "a kind has no collector"
        );
    }

    #[test]
    fn permissions_are_read_only_and_of_the_collectors_service() {
        let services: HashSet<Service> = collectors().iter().map(|c| c.service()).collect();
        assert_eq!(
            services.len(),
            collectors().len(),
            "one collector per service"
        );
        for collector in collectors() {
            assert!(!collector.permissions().is_empty());
            for permission in collector.permissions() {
                let (service, action) = permission.split_once(':').unwrap();
                // The tagging API is how S3 buckets' tags are read in one call.
                let shared = *permission == "tag:GetResources";
                assert!(
                    shared || service == collector.service().as_str(),
                    "{permission}"
                );
                assert!(
                    ["Describe", "List", "Get"]
                        .iter()
                        .any(|p| action.starts_with(p)),
                    "{permission} is not read-only"
                );
            }
        }
        assert_eq!(collector_for(Service::Ssm).service(), Service::Ssm);
    }
}
