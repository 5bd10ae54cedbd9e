//! Quota pressure as text and small bars. Pressure is always written out
//! (percent and a `!`/`!!` marker), so it reads the same without colour.

use ratatui::text::Span;

use crate::config::Theme;

/// Pressure bands of ARCHITECTURE.md §6 (`quota.pressure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    /// At or above 80 %.
    Warn,
    /// At or above 100 %.
    Critical,
}

pub const WARN_RATIO: f64 = 0.8;
pub const CRITICAL_RATIO: f64 = 1.0;

impl Level {
    pub fn of(ratio: f64) -> Level {
        if ratio >= CRITICAL_RATIO {
            Level::Critical
        } else if ratio >= WARN_RATIO {
            Level::Warn
        } else {
            Level::Ok
        }
    }

    pub fn style_key(self) -> &'static str {
        match self {
            Level::Ok => "gauge.ok",
            Level::Warn => "gauge.warn",
            Level::Critical => "gauge.critical",
        }
    }

    /// Two cells: the text marker that stands in for colour.
    pub fn marker(self) -> &'static str {
        match self {
            Level::Ok => "  ",
            Level::Warn => "! ",
            Level::Critical => "!!",
        }
    }
}

/// `0.456` → ` 45%`, always four cells; rounded down so that `100%` means
/// the quota is really full.
pub fn percent(ratio: f64) -> String {
    if !ratio.is_finite() || ratio >= 10.0 {
        return "999+".into();
    }
    let p = (ratio * 100.0).floor().max(0.0) as u32;
    format!("{p:>3}%")
}

/// A bar of `width` cells: filled part in the level's style, rest in
/// `gauge.empty`.
pub fn bar(ratio: f64, width: usize, theme: &Theme) -> Vec<Span<'static>> {
    let level = Level::of(ratio);
    let clamped = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let mut filled = (clamped * width as f64).round() as usize;
    // Any use shows at least one cell; a full bar only when really full.
    if ratio > 0.0 && filled == 0 && width > 0 {
        filled = 1;
    }
    if level != Level::Critical && filled == width && width > 0 {
        filled -= 1;
    }
    vec![
        Span::styled("█".repeat(filled), theme.style(level.style_key())),
        Span::styled("░".repeat(width - filled), theme.style("gauge.empty")),
    ]
}

/// `!! 133% █████` : marker, percent, bar; `2 + 1 + 4 + 1 + bar_width` cells.
pub fn compact(ratio: f64, bar_width: usize, theme: &Theme) -> Vec<Span<'static>> {
    let level = Level::of(ratio);
    let style = theme.style(level.style_key());
    let mut spans = vec![
        Span::styled(level.marker(), style),
        Span::raw(" "),
        Span::styled(percent(ratio), style),
        Span::raw(" "),
    ];
    spans.extend(bar(ratio, bar_width, theme));
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_text() {
        assert_eq!(Level::of(0.5), Level::Ok);
        assert_eq!(Level::of(0.8), Level::Warn);
        assert_eq!(Level::of(1.0), Level::Critical);
        assert_eq!(Level::of(f64::INFINITY), Level::Critical);
        assert_eq!(percent(0.456), " 45%");
        assert_eq!(percent(0.999), " 99%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(1.333), "133%");
        assert_eq!(percent(f64::INFINITY), "999+");
    }

    #[test]
    fn bars_fill_by_ratio() {
        let theme = Theme::builtin("mono").expect("mono");
        let text = |r: f64| -> String {
            bar(r, 5, &theme)
                .iter()
                .map(|s| s.content.to_string())
                .collect()
        };
        assert_eq!(text(0.0), "░░░░░");
        assert_eq!(text(0.01), "█░░░░");
        assert_eq!(text(0.5), "███░░");
        assert_eq!(text(0.99), "████░");
        assert_eq!(text(1.0), "█████");
        assert_eq!(text(4.0), "█████");
    }
}
