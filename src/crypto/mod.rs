//! crypto (to be written).
