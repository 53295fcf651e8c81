//! `procreg-picture`: failures you can see. One self-contained HTML page
//! (inline CSS, SVG and JS; nothing fetched; opens from disk) per
//! simulation seed ([`sim_page`]) or concurrent history ([`history_page`]):
//! lanes on a time axis, hover for what each bar was, the failure marked
//! where it happened. The same input gives a byte-identical page.

mod chart;
mod escape;
mod history_page;
mod leases;
mod page;
mod sim_page;

pub use history_page::history_page;
pub use sim_page::sim_page;

/// Writes `html` to `path`; the error names the file and why.
pub fn write_page(path: &std::path::Path, html: &str) -> Result<(), String> {
    std::fs::write(path, html)
        .map_err(|error| format!("cannot write `{}`: {error}", path.display()))
}
