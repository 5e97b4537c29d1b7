//! mitm (to be written).
