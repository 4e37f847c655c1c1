//! A real browser for pages the toolkit writes: headless Chromium (Debian's
//! `chromium`, installed by `scripts/browser.sh install`, which
//! `scripts/test.sh` runs) takes a screenshot, and [`Screenshot`] reads its
//! pixels. No browser is a failure that says how to install one, never a skip.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser: `$CHROMIUM`, else `chromium` or `chromium-browser` on PATH.
pub fn chromium() -> PathBuf {
    let candidates = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(["chromium", "chromium-browser"].map(PathBuf::from));
    for c in candidates {
        if c.is_absolute() && c.is_file() {
            return c;
        }
        if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                let full = dir.join(&c);
                if full.is_file() {
                    return full;
                }
            }
        }
    }
    panic!("chromium not found: run scripts/browser.sh install (scripts/test.sh does), or set CHROMIUM to a Chromium binary");
}

/// An RGBA screenshot.
pub struct Screenshot {
    pub width: u32,
    pub height: u32,
    rgba: Vec<u8>,
}

impl Screenshot {
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 4) as usize;
        [self.rgba[i], self.rgba[i + 1], self.rgba[i + 2]]
    }

    /// How many pixels in rows `rows` are within `tolerance` of `colour` (`#rrggbb`).
    pub fn count(&self, colour: &str, rows: std::ops::Range<u32>, tolerance: u8) -> usize {
        let want = rgb(colour);
        let mut n = 0;
        for y in rows.start..rows.end.min(self.height) {
            for x in 0..self.width {
                let p = self.pixel(x, y);
                if p.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= tolerance) {
                    n += 1;
                }
            }
        }
        n
    }

    /// How many distinct colours the image has (a blank page has one).
    pub fn distinct_colours(&self) -> usize {
        let mut seen = std::collections::HashSet::new();
        for px in self.rgba.chunks(4) {
            seen.insert([px[0], px[1], px[2]]);
        }
        seen.len()
    }
}

fn rgb(colour: &str) -> [u8; 3] {
    let hex = colour.trim_start_matches('#');
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("#rrggbb");
    [byte(0), byte(2), byte(4)]
}

/// Opens `page` (a file) in headless Chromium at `width`×`height` and saves the
/// screenshot to `png`; panics with Chromium's output if it fails.
pub fn screenshot(page: &Path, png: &Path, width: u32, height: u32) -> Screenshot {
    let profile = tempfile::tempdir().unwrap();
    let page = page.canonicalize().expect("the page exists");
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--force-color-profile=srgb",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success() && png.is_file(),
        "chromium took no screenshot: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    read_png(png)
}

/// A PNG's pixels, as RGBA.
pub fn read_png(path: &Path) -> Screenshot {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        other => panic!("{}: unexpected PNG colour type {other:?}", path.display()),
    };
    Screenshot {
        width: info.width,
        height: info.height,
        rgba,
    }
}
