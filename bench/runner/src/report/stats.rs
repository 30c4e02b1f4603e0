//! The statistics of the report: quantiles, spreads, means and ratios of measured samples.

use std::time::Duration;

use crate::measure::ColdSample;

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// The `q` quantile (0 ≤ q ≤ 1) of values sorted ascending, interpolated linearly between the
/// two closest ranks (so the median of an even count is the mean of the middle two). `None`
/// for no values.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = last as f64 * q.clamp(0.0, 1.0);
    let below = rank.floor() as usize;
    let above = rank.ceil() as usize;
    let fraction = rank - below as f64;
    Some(sorted[below] + (sorted[above] - sorted[below]) * fraction)
}

pub fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values
        .into_iter()
        .fold((0.0, 0usize), |(sum, count), value| {
            (sum + value, count + 1)
        });
    (count > 0).then(|| sum / count as f64)
}

/// `numerator / denominator`; `None` when that is not a finite number (no samples, or a zero
/// denominator).
pub fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    let value = numerator / denominator;
    value.is_finite().then_some(value)
}

/// Minimum, p10, median, p90 and maximum of one set of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub min: f64,
    pub p10: f64,
    pub median: f64,
    pub p90: f64,
    pub max: f64,
}

impl Spread {
    /// `None` for no values.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut values: Vec<f64> = values.into_iter().collect();
        values.sort_by(f64::total_cmp);
        Some(Self {
            min: *values.first()?,
            p10: quantile(&values, 0.1)?,
            median: quantile(&values, 0.5)?,
            p90: quantile(&values, 0.9)?,
            max: *values.last()?,
        })
    }
}

/// What the cold starts of one configuration (level, binary, setup) add up to, in ms.
#[derive(Debug, Clone, Copy)]
pub struct ColdFigures {
    pub cold: Spread,
    /// Mean CPU time of Init.
    pub init_cpu: f64,
    pub first: Spread,
    pub warm: Spread,
}

impl ColdFigures {
    /// `None` without samples or without warm requests.
    pub fn of(samples: &[ColdSample]) -> Option<Self> {
        Some(Self {
            cold: Spread::of(samples.iter().map(|s| ms(s.cold_start)))?,
            init_cpu: mean(samples.iter().map(|s| ms(s.init_cpu)))?,
            first: Spread::of(samples.iter().map(|s| ms(s.first)))?,
            warm: Spread::of(samples.iter().flat_map(|s| s.warm.iter().map(|d| ms(*d))))?,
        })
    }

    /// Median first request over median warm one.
    pub fn first_over_warm(&self) -> Option<f64> {
        ratio(self.first.median, self.warm.median)
    }
}

/// The entry with the largest value (`None` for none); NaN values are never the largest.
pub fn largest<T>(entries: impl IntoIterator<Item = (T, f64)>) -> Option<(T, f64)> {
    entries
        .into_iter()
        .filter(|(_, value)| !value.is_nan())
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(cold_ms: u64, init_cpu_ms: u64, first_ms: u64, warm_ms: &[u64]) -> ColdSample {
        ColdSample {
            cold_start: Duration::from_millis(cold_ms),
            init_cpu: Duration::from_millis(init_cpu_ms),
            first: Duration::from_millis(first_ms),
            warm: warm_ms
                .iter()
                .map(|ms| Duration::from_millis(*ms))
                .collect(),
        }
    }

    #[test]
    fn quantiles_of_no_values_are_none() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(Spread::of([]), None);
        assert_eq!(mean([]), None);
    }

    #[test]
    fn one_sample_is_every_quantile() {
        let spread = Spread::of([7.5]).expect("one value");
        assert_eq!(
            spread,
            Spread {
                min: 7.5,
                p10: 7.5,
                median: 7.5,
                p90: 7.5,
                max: 7.5
            }
        );
        assert_eq!(mean([7.5]), Some(7.5));
    }

    #[test]
    fn median_of_an_odd_count_is_the_middle_value() {
        let spread = Spread::of([5.0, 1.0, 3.0]).expect("values");
        assert_eq!(spread.median, 3.0);
        assert_eq!((spread.min, spread.max), (1.0, 5.0));
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(
            Spread::of([4.0, 1.0, 2.0, 3.0]).map(|s| s.median),
            Some(2.5)
        );
        assert_eq!(Spread::of([1.0, 2.0]).map(|s| s.median), Some(1.5));
    }

    #[test]
    fn percentiles_interpolate_between_ranks() {
        // 1..=11: the rank of p10 is 1.0 (the value 2), of p90 9.0 (the value 10).
        let values: Vec<f64> = (1..=11).map(f64::from).collect();
        let spread = Spread::of(values.iter().rev().copied()).expect("values");
        assert_eq!((spread.p10, spread.median, spread.p90), (2.0, 6.0, 10.0));
        // 1..=10: rank 0.9 lies between 1 and 2, rank 8.1 between 9 and 10.
        let spread = Spread::of((1..=10).map(f64::from)).expect("values");
        assert!((spread.p10 - 1.9).abs() < 1e-12);
        assert!((spread.p90 - 9.1).abs() < 1e-12);
        assert_eq!((spread.min, spread.max), (1.0, 10.0));
    }

    #[test]
    fn quantile_bounds_are_the_extremes() {
        let sorted = [1.0, 2.0, 4.0];
        assert_eq!(quantile(&sorted, 0.0), Some(1.0));
        assert_eq!(quantile(&sorted, 1.0), Some(4.0));
        assert_eq!(quantile(&sorted, -1.0), Some(1.0));
        assert_eq!(quantile(&sorted, 2.0), Some(4.0));
    }

    #[test]
    fn ratios_of_zero_or_missing_denominators_are_none() {
        assert_eq!(ratio(3.0, 2.0), Some(1.5));
        assert_eq!(ratio(0.0, 2.0), Some(0.0));
        assert_eq!(ratio(1.0, 0.0), None);
        assert_eq!(ratio(0.0, 0.0), None);
        assert_eq!(ratio(f64::NAN, 1.0), None);
    }

    #[test]
    fn largest_skips_nan_and_is_none_for_nothing() {
        assert_eq!(
            largest([("a", 1.0), ("b", f64::NAN), ("c", 3.0)]),
            Some(("c", 3.0))
        );
        assert_eq!(largest::<&str>([]), None);
        assert_eq!(largest([("a", f64::NAN)]), None);
    }

    #[test]
    fn cold_figures_sum_up_the_samples() {
        let samples = [
            sample(10, 4, 3, &[1, 2]),
            sample(30, 6, 5, &[2, 3]),
            sample(20, 8, 4, &[3, 4]),
        ];
        let figures = ColdFigures::of(&samples).expect("samples");
        assert_eq!(figures.cold.median, 20.0);
        assert_eq!((figures.cold.min, figures.cold.max), (10.0, 30.0));
        assert_eq!(figures.init_cpu, 6.0);
        assert_eq!(figures.first.median, 4.0);
        // Warm requests of every cold start together: 1, 2, 2, 3, 3, 4.
        assert_eq!(figures.warm.median, 2.5);
        assert_eq!(figures.first_over_warm(), Some(1.6));
    }

    #[test]
    fn cold_figures_need_samples_and_warm_requests() {
        assert!(ColdFigures::of(&[]).is_none());
        assert!(ColdFigures::of(&[sample(1, 1, 1, &[])]).is_none());
        let one = ColdFigures::of(&[sample(2, 1, 3, &[1])]).expect("one sample");
        assert_eq!(one.first_over_warm(), Some(3.0));
    }
}
