//! stub
/// Renders the page.
pub fn page(r: &crate::probe::AuditReport) -> Result<String, crate::report::html::HtmlError> {
    let _ = r;
    Ok(String::new())
}
