//! handshake (to be written).
