//! Money arithmetic in integer minor units (never floats). Percentages are fixed-point with
//! four decimals (`1_000_000` is 100%), as rules store them.
//!
//! Rounding is half to even ("banker's rounding"): a reward of exactly half a minor unit goes
//! to the even neighbour, so many rounded rewards do not drift upward on average.

/// Decimals a stored percentage keeps.
pub const PERCENT_DECIMALS: usize = 4;
/// 100% in the fixed-point scale percentages are stored in: `1_000_000`.
pub const PERCENT_SCALE: i64 = 100 * 10_i64.pow(PERCENT_DECIMALS as u32);

/// `percent` (fixed-point, `PERCENT_SCALE` = 100%) of `base` minor units, rounded half to even;
/// saturates at the `i64` bounds.
pub fn percent_of(base: i64, percent: i64) -> i64 {
    let num = i128::from(base) * i128::from(percent);
    let den = i128::from(PERCENT_SCALE);
    let (quotient, remainder) = (num.div_euclid(den), num.rem_euclid(den));
    let rounded = match (2 * remainder).cmp(&den) {
        std::cmp::Ordering::Greater => quotient + 1,
        std::cmp::Ordering::Equal if quotient % 2 != 0 => quotient + 1,
        _ => quotient,
    };
    i64::try_from(rounded).unwrap_or(if rounded > 0 { i64::MAX } else { i64::MIN })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_PERCENT: i64 = PERCENT_SCALE / 100;

    #[test]
    fn exact_percentages_need_no_rounding() {
        assert_eq!(percent_of(6_000, 55_000), 330, "5.5% of 60.00 is 3.30");
        assert_eq!(percent_of(12_345, PERCENT_SCALE), 12_345, "100%");
        assert_eq!(percent_of(0, ONE_PERCENT), 0);
    }

    #[test]
    fn halves_round_to_the_even_minor_unit() {
        assert_eq!(percent_of(50, ONE_PERCENT), 0, "0.5 goes down to 0");
        assert_eq!(percent_of(150, ONE_PERCENT), 2, "1.5 goes up to 2");
        assert_eq!(percent_of(250, ONE_PERCENT), 2, "2.5 goes down to 2");
        assert_eq!(percent_of(350, ONE_PERCENT), 4, "3.5 goes up to 4");
        assert_eq!(percent_of(-150, ONE_PERCENT), -2, "-1.5 goes to -2");
    }

    #[test]
    fn other_fractions_round_to_the_nearest_minor_unit() {
        assert_eq!(percent_of(149, ONE_PERCENT), 1, "1.49");
        assert_eq!(percent_of(151, ONE_PERCENT), 2, "1.51");
        assert_eq!(percent_of(999, 12_345), 12, "1.2345% of 9.99 is 0.1233…");
    }

    #[test]
    fn huge_amounts_saturate_instead_of_overflowing() {
        assert_eq!(percent_of(i64::MAX, 2 * PERCENT_SCALE), i64::MAX);
    }
}
