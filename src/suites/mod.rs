//! suites (to be written).
