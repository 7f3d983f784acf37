//! `driftscan compare`: one environment against another, after normalization.

pub mod normalize;
