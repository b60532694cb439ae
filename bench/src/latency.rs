//! Latency samples and their percentiles.

use std::time::Duration;

/// Latencies of successful requests, in the order they were taken.
#[derive(Clone, Debug, Default)]
pub struct Latencies(Vec<Duration>);

impl Latencies {
    /// Room for `capacity` samples.
    pub fn with_capacity(capacity: usize) -> Self {
        Latencies(Vec::with_capacity(capacity))
    }

    /// Records one sample.
    pub fn record(&mut self, took: Duration) {
        self.0.push(took);
    }

    /// Takes another set's samples.
    pub fn merge(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }

    /// How many samples.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The summary: sorts the samples once.
    pub fn summary(mut self) -> Summary {
        self.0.sort_unstable();
        let at = |p: f64| {
            let rank = (self.0.len() as f64 * p).ceil() as usize;
            self.0
                .get(rank.saturating_sub(1))
                .copied()
                .unwrap_or_default()
        };
        let total: Duration = self.0.iter().sum();
        Summary {
            count: self.0.len(),
            mean: total
                .checked_div(self.0.len().try_into().unwrap_or(u32::MAX))
                .unwrap_or_default(),
            p50: at(0.50),
            p99: at(0.99),
            max: at(1.0),
        }
    }
}

/// Percentiles by the nearest-rank method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Samples.
    pub count: usize,
    /// Their mean.
    pub mean: Duration,
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// The slowest.
    pub max: Duration,
}

/// Milliseconds with two decimals.
pub fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 100_000.0).round() / 100.0
}

/// Microseconds with one decimal.
pub fn micros(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 10_000_000.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut latencies = Latencies::default();
        for ms in (1..=100).rev() {
            latencies.record(Duration::from_millis(ms));
        }
        let summary = latencies.summary();
        assert_eq!(summary.count, 100);
        assert_eq!(summary.p50, Duration::from_millis(50));
        assert_eq!(summary.p99, Duration::from_millis(99));
        assert_eq!(summary.max, Duration::from_millis(100));
        assert_eq!(summary.mean, Duration::from_micros(50_500));
    }

    #[test]
    fn no_samples_summarise_to_zero() {
        assert_eq!(Latencies::default().summary(), Summary::default());
    }

    #[test]
    fn units_round() {
        assert_eq!(millis(Duration::from_micros(1_234_567)), 1234.57);
        assert_eq!(micros(Duration::from_nanos(12_345)), 12.3);
    }
}
