//! The site's static files: CSS, JavaScript and the icon, built into the
//! binary, with the content hash in each name so a cache never serves an
//! old one.

use super::highlight;
use super::html::fingerprint;

const APP_CSS: &str = include_str!("../../templates/site/assets/app.css");
const APP_JS: &str = include_str!("../../templates/site/assets/app.js");
const THEME_JS: &str = include_str!("../../templates/site/assets/theme.js");
/// The sidebar builder; the site's navigation data is put before it.
pub const NAV_JS: &str = include_str!("../../templates/site/assets/nav.js");
const ICON_SVG: &str = include_str!("../../templates/site/assets/icon.svg");

/// Fingerprinted paths inside the site, and the files.
pub struct Assets {
    pub css: String,
    pub js: String,
    pub theme: String,
    pub icon: String,
    /// The icon drawn inline as the top bar's logo: the favicon is the one
    /// request for the icon (an `<img>` of the same file was a second
    /// request on a cold load, as Chromium fetches favicons on their own).
    pub logo: String,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Assets {
    pub fn build() -> Self {
        let mut css = String::from(APP_CSS);
        css.push('\n');
        css.push_str(&highlight::stylesheet());
        let mut files = Vec::new();
        let mut add = |name: &str, bytes: Vec<u8>| {
            let path = fingerprint(&format!("assets/{name}"), &bytes);
            files.push((path.clone(), bytes));
            path
        };
        let css = add("app.css", css.into_bytes());
        let js = add("app.js", APP_JS.as_bytes().to_vec());
        let theme = add("theme.js", THEME_JS.as_bytes().to_vec());
        let icon = add("icon.svg", ICON_SVG.as_bytes().to_vec());
        Assets {
            css,
            js,
            theme,
            icon,
            logo: ICON_SVG.trim_end().replacen(
                "<svg ",
                r#"<svg aria-hidden="true" focusable="false" width="26" height="26" "#,
                1,
            ),
            files,
        }
    }
}
