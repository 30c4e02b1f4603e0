//! Fuzz targets of the Neptun API's untrusted-input parsers (run with `make fuzz`).

pub mod checks;
