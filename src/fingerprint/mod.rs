//! fingerprint (to be written).
