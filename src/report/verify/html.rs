//! stub
/// Renders the page.
pub fn page(r: &crate::x509::ChainReport) -> Result<String, crate::report::html::HtmlError> {
    let _ = r;
    Ok(String::new())
}
