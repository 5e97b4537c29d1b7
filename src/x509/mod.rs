//! x509 (to be written).
